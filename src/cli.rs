//! Command-line surface: clap types only. Each command's `--help` carries an example.
//! Nothing here reads files or computes; `commands` receives these values, and no module
//! below `commands` sees them.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::catalog::overlay::{CATALOG_ENV, OverlayFrom, RELEASES_ENV};

#[derive(Debug, Parser)]
#[command(
    name = "eksgen",
    version = crate::version_line(),
    about = "Turn an EKS cluster intent into explained Terraform and Kubernetes manifests",
    long_about = "eksgen resolves a declarative cluster intent (instance types, GPUs, EFA, zones, pods per node) \
against an embedded EC2 catalog into max-pods values, VPC CNI settings and subnet layouts, and renders \
Terraform for terraform-aws-modules/eks and /vpc plus Karpenter and workload manifests.\n\n\
Exit codes: 0 ok (no differences / no findings), 1 differences (diff) or findings (lint), 2 error, 3 a change with the `diff --fail-on` impact or worse.",
    after_help = "Start here:\n  eksgen init --preset minimal && eksgen plan && eksgen render"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Catalog overlay CSV (from `eksgen catalog import`): its rows add to or replace the
    /// embedded ones. Default: $EKSGEN_CATALOG, else $XDG_CONFIG_HOME/eksgen/catalog.csv
    /// (~/.config/eksgen/catalog.csv) when that file exists.
    // OsString, not PathBuf: an empty EKSGEN_CATALOG counts as unset, not as an error.
    #[arg(long, global = true, value_name = "FILE", env = CATALOG_ENV, hide_env_values = true,
          value_parser = clap::builder::OsStringValueParser::new())]
    pub catalog: Option<OsString>,
    /// Whether `catalog` came from the environment rather than `--catalog`.
    #[arg(skip)]
    pub catalog_from_env: bool,
    /// Releases overlay CSV (from `eksgen releases import`): AMI releases and add-on
    /// versions added to the embedded table. Default: $EKSGEN_RELEASES.
    #[arg(long, global = true, value_name = "FILE", env = RELEASES_ENV, hide_env_values = true,
          value_parser = clap::builder::OsStringValueParser::new())]
    pub releases: Option<OsString>,
}

impl Cli {
    /// How stdout is coloured: `diff --color`, else decided by anstream (`Auto`).
    pub fn color(&self) -> anstream::ColorChoice {
        match &self.command {
            Command::Diff(args) => args.color.to_anstream(),
            Command::Plan(args) => args.color.to_anstream(),
            Command::Lint(args) => args.color.to_anstream(),
            Command::Render(args) => args.color.to_anstream(),
            _ => anstream::ColorChoice::Auto,
        }
    }

    /// Parse the process's arguments and environment (exits with clap's message and code
    /// on a usage error), noting where the catalog overlay was named.
    pub fn parse_from_env() -> Cli {
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.catalog_from_env = matches.value_source("catalog") == Some(ValueSource::EnvVariable);
        cli
    }

    /// The overlay named on the command line or in `EKSGEN_CATALOG`, and which of the two.
    pub fn catalog_overlay(&self) -> Option<(PathBuf, OverlayFrom)> {
        let from = if self.catalog_from_env {
            OverlayFrom::Env
        } else {
            OverlayFrom::Flag
        };
        self.catalog.as_ref().map(|p| (PathBuf::from(p), from))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write an intent file from an embedded preset.
    #[command(
        after_help = "Examples:\n  eksgen init --list\n  eksgen init --preset gpu-training-efa --name ml-prod --region us-east-1"
    )]
    Init(InitArgs),
    /// Resolve the intent and show every number with its reason.
    #[command(
        after_help = "Example:\n  eksgen plan -f eksgen.yaml --format json | jq '.nodeGroups[].maxPods'"
    )]
    Plan(PlanArgs),
    /// Show only the findings; exit 1 when any is an error (or a warning with --deny-warnings).
    #[command(after_help = "Example:\n  eksgen lint --format sarif > eksgen.sarif")]
    Lint(LintArgs),
    /// Write the generated files into a folder.
    #[command(
        after_help = "Examples:\n  eksgen render -f eksgen.yaml -o infra/ml-prod\n  eksgen render --preset gpu-training-efa -o /tmp/demo --dry-run"
    )]
    Render(RenderArgs),
    /// Compare what render would write with a folder; exit 1 when they differ.
    #[command(
        after_help = "Examples:\n  eksgen diff -o infra/ml-prod --format markdown > pr-comment.md\n  eksgen diff -o infra/ml-prod --fail-on replace   # exit 3 when something would be replaced\n\nExit codes: 0 no difference, 1 differences, 2 error, 3 a change with the --fail-on impact or worse."
    )]
    Diff(DiffArgs),
    /// Offline max-pods calculator (amazon-eks-ami rules); prints `TYPE N` lines.
    #[command(
        after_help = "Examples:\n  eksgen max-pods c5.4xlarge --prefix-delegation\n  eksgen max-pods --all --uncapped"
    )]
    MaxPods(MaxPodsArgs),
    /// Bump pinned versions: Kubernetes (one minor, never down), AMI releases, add-ons.
    #[command(
        after_help = "Examples:\n  eksgen upgrade -f clusters/ml.yaml -o infra/ml                      # newest AMI releases and add-ons\n  eksgen upgrade -f clusters/ml.yaml --kubernetes next -o infra/ml    # the next minor, with its releases\n  eksgen upgrade -f clusters/ml.yaml --ami --dry-run -o infra/ml      # only AMIs, write nothing\n\nWrites the lock file (and the intent's kubernetesVersion); `eksgen render` then writes the files.\nExit codes: 0 upgraded or nothing to upgrade, 2 error (a downgrade, a skipped minor, no lock yet)."
    )]
    Upgrade(UpgradeArgs),
    /// List the AMI releases and add-on versions eksgen knows; import newer ones.
    #[command(
        after_help = "Examples:\n  eksgen releases --kubernetes 1.34\n  aws eks describe-addon-versions --kubernetes-version 1.35 > addons.json\n  aws ssm get-parameters-by-path --recursive --path /aws/service/eks/optimized-ami/1.35/amazon-linux-2023 > amis.json\n  eksgen releases import addons.json amis.json -o releases.csv\n  eksgen --releases releases.csv upgrade --kubernetes 1.35"
    )]
    Releases(ReleasesArgs),
    /// Show instance facts from the catalog (embedded, plus an overlay); import new types.
    #[command(
        after_help = "Examples:\n  eksgen catalog p5.48xlarge\n  eksgen catalog --gpu --efa --format json\n  eksgen catalog import types.json -o ~/.config/eksgen/catalog.csv"
    )]
    Catalog(CatalogArgs),
    /// Turn another tool's cluster description into an intent.
    #[command(
        after_help = "Example:\n  eksgen import eksctl cluster.yaml -o eksgen.yaml && eksgen plan"
    )]
    Import(ImportArgs),
    /// Print the JSON Schema of the intent file (for editors: yaml-language-server).
    #[command(after_help = "Example:\n  eksgen schema > eksgen.schema.json")]
    Schema,
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  eksgen completions bash > ~/.local/share/bash-completion/completions/eksgen\n  eksgen completions zsh > \"${fpath[1]}/_eksgen\"\n  eksgen completions fish > ~/.config/fish/completions/eksgen.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  eksgen man > eksgen.1 && man ./eksgen.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// An eksctl ClusterConfig (eksctl.io/v1alpha5): metadata, VPC and subnets, zones,
    /// managed and self-managed node groups, the vpc-cni add-on's env. Every field that is
    /// not carried over is listed on standard error.
    Eksctl(ImportEksctlArgs),
}

#[derive(Debug, Args)]
pub struct ImportEksctlArgs {
    /// The ClusterConfig YAML.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Intent file to write (default: standard output).
    #[arg(short = 'o', long, value_name = "INTENT")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing intent file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Turn `aws ec2 describe-instance-types` JSON into a catalog overlay CSV.
    #[command(
        after_help = "Example:\n  aws ec2 describe-instance-types --output json > types.json\n  eksgen catalog import types.json -o ~/.config/eksgen/catalog.csv\n  eksgen --catalog ~/.config/eksgen/catalog.csv catalog --source --gpu"
    )]
    Import(CatalogImportArgs),
}

#[derive(Debug, Args)]
pub struct CatalogImportArgs {
    /// JSON written by `aws ec2 describe-instance-types` (one page or several pages merged).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Overlay CSV to write (default: standard output).
    #[arg(short = 'o', long, value_name = "OVERLAY")]
    pub output: Option<PathBuf>,
    /// On-demand prices: the JSON of `aws pricing get-products --service-code AmazonEC2`
    /// (Linux shared-tenancy rows of --price-region are used), or an object such as
    /// {"m5.large": 0.096} in USD per hour.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Region of the prices to take; the overlay records it per row, and plans in other
    /// regions treat those prices as a reference only.
    #[arg(long, value_name = "REGION", default_value = crate::catalog::EMBEDDED_PRICE_REGION, requires = "prices")]
    pub price_region: String,
    /// Overwrite an existing overlay file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Intent file (its lock file sits beside it).
    #[arg(
        short = 'f',
        long = "file",
        default_value = "eksgen.yaml",
        value_name = "FILE"
    )]
    pub file: PathBuf,
    /// Kubernetes minor version to move to: the next one (`next` or e.g. `1.35`); EKS
    /// upgrades one minor at a time and never down. AMI releases and add-ons move with it.
    #[arg(long, value_name = "VERSION")]
    pub kubernetes: Option<String>,
    /// Move every node group to the newest AMI release eksgen knows (rolls the nodes).
    #[arg(long)]
    pub ami: bool,
    /// Move every add-on to the newest version eksgen knows.
    #[arg(long)]
    pub addons: bool,
    /// Output folder to show the impact on (what `eksgen diff` of it shows after the upgrade).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    #[command(subcommand)]
    pub action: Option<ReleasesCommand>,
    /// Only the releases for this Kubernetes minor version.
    #[arg(long, value_name = "VERSION")]
    pub kubernetes: Option<String>,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// Turn `aws ssm get-parameters-by-path` and `aws eks describe-addon-versions` JSON into
    /// a releases overlay CSV (use it with `--releases FILE`).
    #[command(
        after_help = "Example:\n  aws ssm get-parameters-by-path --recursive --path /aws/service/eks/optimized-ami/1.35/amazon-linux-2023 --output json > amis.json\n  aws eks describe-addon-versions --kubernetes-version 1.35 --output json > addons.json\n  eksgen releases import amis.json addons.json -o releases.csv"
    )]
    Import(ReleasesImportArgs),
}

#[derive(Debug, Args)]
pub struct ReleasesImportArgs {
    /// JSON files written by the AWS CLI commands above.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Overlay CSV to write (default: standard output).
    #[arg(short = 'o', long, value_name = "OVERLAY")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing overlay file.
    #[arg(long)]
    pub force: bool,
    /// Date (YYYY-MM-DD) for rows whose JSON carries none (add-on versions); default today.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct IntentArgs {
    /// Intent file.
    #[arg(
        short = 'f',
        long = "file",
        default_value = "eksgen.yaml",
        value_name = "FILE"
    )]
    pub file: PathBuf,
    /// Use an embedded preset instead of a file (see `eksgen init --list`).
    #[arg(long, value_name = "NAME", conflicts_with = "file")]
    pub preset: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Preset to start from (see --list).
    #[arg(long, value_name = "NAME", required_unless_present = "list")]
    pub preset: Option<String>,
    /// List presets.
    #[arg(long, conflicts_with_all = ["preset", "output", "name", "region", "force"])]
    pub list: bool,
    /// File to write.
    #[arg(short = 'o', long, default_value = "eksgen.yaml", value_name = "FILE")]
    pub output: PathBuf,
    /// Cluster name to put in the intent.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// AWS region; zones are renamed to match.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    /// The address space as an SVG picture (VPC, secondary CIDRs, subnets per zone and role).
    Svg,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub intent: IntentArgs,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Colour the text format (`auto`: on a terminal unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub intent: IntentArgs,
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    /// Colour the text format (`auto`: on a terminal unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub intent: IntentArgs,
    /// Output folder (default: out/<cluster name>).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Print the diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite generated files edited by hand since the last render.
    #[arg(long)]
    pub force: bool,
    /// Lay the subnets out afresh instead of keeping the layout in the lock file; moved
    /// subnets are replaced by Terraform (see the impact `diff --relayout` shows).
    #[arg(long)]
    pub relayout: bool,
    /// Decide each managed group's AMI path (EKS AMI or custom AMI) afresh instead of
    /// keeping the lock file's; a group that moves is replaced (see `diff --change-ami-path`).
    #[arg(long)]
    pub change_ami_path: bool,
    /// With --dry-run: exit 3 when a change has this impact or worse.
    #[arg(long, value_enum, value_name = "IMPACT", requires = "dry_run")]
    pub fail_on: Option<FailOn>,
    /// Colour the summary (`auto`: on a terminal unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The impact `--fail-on` exits 3 for (that impact or worse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Node groups, subnets, the VPC or the cluster replaced, or a node group removed.
    Replace,
    /// Also node groups whose nodes are rolled.
    Roll,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Unified,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn is_never(self) -> bool {
        self == ColorChoice::Never
    }

    /// The same choice in anstream's terms (`Auto` there honours NO_COLOR, CLICOLOR,
    /// CLICOLOR_FORCE and TERM=dumb, and whether the stream is a terminal).
    pub fn to_anstream(self) -> anstream::ColorChoice {
        match self {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub intent: IntentArgs,
    /// Folder to compare with (default: out/<cluster name>).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Unified)]
    pub format: DiffFormat,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Exit 3 (not 1) when a change has this impact or worse: for CI that accepts routine
    /// changes but stops replacements.
    #[arg(long, value_enum, value_name = "IMPACT")]
    pub fail_on: Option<FailOn>,
    /// Compare with a fresh subnet layout instead of the lock file's (what `render
    /// --relayout` would write).
    #[arg(long)]
    pub relayout: bool,
    /// Compare with each managed group's AMI path decided afresh (what `render
    /// --change-ami-path` would write).
    #[arg(long)]
    pub change_ami_path: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct MaxPodsArgs {
    /// Instance types, e.g. m5.large p5.48xlarge.
    #[arg(value_name = "TYPE", required_unless_present = "all")]
    pub types: Vec<String>,
    /// Every type in the catalog.
    #[arg(long, conflicts_with = "types")]
    pub all: bool,
    /// /28 prefixes per ENI slot (nitro types only).
    #[arg(long)]
    pub prefix_delegation: bool,
    /// Pods use secondary ENIs only (one ENI fewer).
    #[arg(long)]
    pub custom_networking: bool,
    /// VPC CNI MAX_ENI cap.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_eni: Option<u32>,
    /// Skip the 110 / 250 ceiling (the published eni-max-pods values).
    #[arg(long)]
    pub uncapped: bool,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub action: Option<CatalogCommand>,
    /// Instance types to show (default: all, after filters).
    #[arg(value_name = "TYPE")]
    pub types: Vec<String>,
    /// Only types with GPUs.
    #[arg(long)]
    pub gpu: bool,
    /// Only types with EFA.
    #[arg(long)]
    pub efa: bool,
    /// Show where each type's facts come from (embedded catalog and its date, or overlay file).
    #[arg(long)]
    pub source: bool,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn colour_follows_the_diff_flag() {
        let cli = Cli::parse_from(["eksgen", "diff", "--color", "always"]);
        assert_eq!(cli.color(), anstream::ColorChoice::Always);
        let cli = Cli::parse_from(["eksgen", "plan"]);
        assert_eq!(cli.color(), anstream::ColorChoice::Auto);
        let cli = Cli::parse_from(["eksgen", "plan", "--color", "never"]);
        assert_eq!(cli.color(), anstream::ColorChoice::Never);
        let cli = Cli::parse_from(["eksgen", "lint", "--color", "always"]);
        assert_eq!(cli.color(), anstream::ColorChoice::Always);
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
