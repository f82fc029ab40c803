//! One function per command: the only place that sequences file I/O with the pure stages.
//!
//! Reads the intent, runs parse → validate → resolve → render, calls `output` for writes and
//! returns what to print and the exit code. Never prints itself; `main` does.

use std::fs;
use std::path::{Path, PathBuf};

use crate::catalog::{Catalog, InstanceType};
use crate::cli::{
    CatalogArgs, CatalogCommand, Cli, ColorChoice, Command, DataFormat, DiffArgs, DiffFormat,
    InitArgs, IntentArgs, LintArgs, LintFormat, MaxPodsArgs, PlanArgs, PlanFormat, RenderArgs,
};
use crate::diagnostic::{Diagnostic, IntentError};
use crate::ecosystem::{self, CatalogInUse};
use crate::max_pods::{MaxPodsOptions, max_pods};
use crate::plan::{Plan, Severity};
use crate::{intent, output, presets, report, resolve};

/// What a command prints and how it exits.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }
}

/// Errors that stop a command (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Intent(#[from] IntentError),
    #[error("cannot read {path}: {source}{hint}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
        hint: String,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{message}")]
    Usage { message: String },
    #[error("{0}")]
    Render(#[from] crate::render::RenderError),
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    Import(#[from] crate::catalog_import::ImportError),
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        2
    }
}

pub fn run(cli: Cli) -> Result<Outcome, AppError> {
    // Commands that do not read the catalog.
    match &cli.command {
        Command::Schema => return Ok(ecosystem::schema()),
        Command::Completions(args) => return Ok(ecosystem::completions(args.shell)),
        Command::Man => return ecosystem::man(),
        Command::Catalog(CatalogArgs {
            action: Some(CatalogCommand::Import(args)),
            ..
        }) => return ecosystem::catalog_import(args),
        _ => {}
    }
    let cat = CatalogInUse::load(cli.catalog.as_deref())?;
    let mut outcome = match cli.command {
        Command::Init(args) => init(&args, &cat),
        Command::Plan(args) => plan(&args, &cat),
        Command::Lint(args) => lint(&args, &cat),
        Command::Render(args) => render(&args, &cat),
        Command::Diff(args) => diff(&args, &cat),
        Command::MaxPods(args) => max_pods_command(&args, &cat),
        Command::Catalog(args) => catalog(&args, &cat),
        Command::Schema | Command::Completions(_) | Command::Man => unreachable!("handled above"),
    }?;
    outcome.stderr.insert_str(0, &cat.note());
    Ok(outcome)
}

/// Read, parse, validate and resolve an intent file against the embedded catalog.
pub fn load_plan(path: &Path) -> Result<Plan, AppError> {
    load_plan_with(path, Catalog::embedded())
}

/// Read, parse, validate and resolve an intent file against `catalog`.
pub fn load_plan_with(path: &Path, catalog: &Catalog) -> Result<Plan, AppError> {
    plan_from_text_with(
        &read_intent_text(path)?,
        &path.display().to_string(),
        catalog,
    )
}

/// An intent file's text: at most [`intent::MAX_INTENT_BYTES`], UTF-8, with errors that
/// name the file (and the line and column of a byte that is not UTF-8).
fn read_intent_text(path: &Path) -> Result<String, AppError> {
    let origin = path.display().to_string();
    let bytes = read_limited(path).map_err(|source| AppError::Read {
        hint: if source.kind() == std::io::ErrorKind::NotFound {
            "; create one with `eksgen init --preset minimal` (see `eksgen init --list`)"
                .to_string()
        } else {
            String::new()
        },
        path: path.to_path_buf(),
        source,
    })?;
    let whole_file = |message: String, hint: &str, position: Option<(usize, usize)>| {
        let mut d = Diagnostic::new("", message).hint(hint);
        d.position = position;
        AppError::Intent(IntentError {
            origin: origin.clone(),
            source_text: String::new(),
            diagnostics: vec![d],
        })
    };
    if bytes.len() > intent::MAX_INTENT_BYTES {
        return Err(whole_file(
            format!(
                "the file is larger than {} bytes, the limit for intents",
                intent::MAX_INTENT_BYTES
            ),
            "an intent describes one cluster in a few hundred lines; check that this is the right file",
            None,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix before the bad byte is valid UTF-8, so it can place the byte.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        whole_file(
            format!(
                "the file is not UTF-8 text (invalid byte 0x{:02x} at offset {})",
                e.as_bytes()[valid.len()],
                valid.len()
            ),
            "intent files are YAML text; check that this is the right file",
            Some((line, column)),
        )
    })
}

/// The file's bytes, but never more than one byte past the intent size limit: a huge file
/// or an endless one (`/dev/zero`) is not read into memory.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(intent::MAX_INTENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Parse, validate and resolve intent text against the embedded catalog.
pub fn plan_from_text(text: &str, origin: &str) -> Result<Plan, AppError> {
    plan_from_text_with(text, origin, Catalog::embedded())
}

/// Parse, validate and resolve intent text against `catalog` (embedded plus any overlay).
pub fn plan_from_text_with(text: &str, origin: &str, catalog: &Catalog) -> Result<Plan, AppError> {
    let intent = intent::parse_and_validate(text, origin, catalog)?;
    resolve::resolve(&intent, catalog).map_err(|mut diagnostics| {
        let index = intent::parse(text, origin)
            .map(|(_, index)| index)
            .unwrap_or_default();
        for d in &mut diagnostics {
            d.position = index.locate(&d.path);
        }
        AppError::Intent(IntentError {
            origin: origin.to_string(),
            source_text: text.to_string(),
            diagnostics,
        })
    })
}

/// An intent as loaded for a command: the plan, the origin to name in messages and
/// generated-file headers, and the text (to place findings in it).
struct Loaded {
    plan: Plan,
    origin: String,
    text: String,
}

impl Loaded {
    /// The plan's error findings as one error that names the file and, where a finding
    /// belongs to a node group or a part of the spec, its line, column and key path.
    fn findings_error(&self) -> Option<IntentError> {
        let errors: Vec<_> = self
            .plan
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            return None;
        }
        let parsed = intent::parse(&self.text, &self.origin).ok();
        let diagnostics = errors
            .into_iter()
            .map(|f| {
                let group_index = f.node_group.as_ref().and_then(|name| {
                    let (intent, _) = parsed.as_ref()?;
                    intent
                        .spec
                        .node_groups
                        .iter()
                        .position(|g| intent::expanded_names(g).contains(name))
                });
                let path = match (group_index, f.id.as_str()) {
                    (Some(i), _) => format!("spec.nodeGroups[{i}]"),
                    (None, crate::resolve::findings::SUBNET_TOO_SMALL) => {
                        "spec.network".to_string()
                    }
                    (None, _) => "spec".to_string(),
                };
                let mut d =
                    Diagnostic::new(path, format!("{}: {}", f.id, f.message)).hint(f.hint.clone());
                d.position = parsed.as_ref().and_then(|(_, index)| index.locate(&d.path));
                d
            })
            .collect();
        Some(IntentError {
            origin: self.origin.clone(),
            source_text: self.text.clone(),
            diagnostics,
        })
    }
}

/// The intent named on the command line: a preset or a file.
fn load_intent(args: &IntentArgs, catalog: &Catalog) -> Result<Loaded, AppError> {
    let (text, origin) = match &args.preset {
        Some(name) => (preset_text(name)?.to_string(), format!("preset {name}")),
        None => (
            read_intent_text(&args.file)?,
            args.file.display().to_string(),
        ),
    };
    Ok(Loaded {
        plan: plan_from_text_with(&text, &origin, catalog)?,
        origin,
        text,
    })
}

fn preset_text(name: &str) -> Result<&'static str, AppError> {
    presets::get(name).ok_or_else(|| AppError::Usage {
        message: format!(
            "unknown preset `{}`; {}",
            name.escape_debug(),
            crate::diagnostic::did_you_mean(name, presets::names()).unwrap_or_else(|| format!(
                "presets: {}",
                presets::names().collect::<Vec<_>>().join(", ")
            ))
        ),
    })
}

fn plan(args: &PlanArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let loaded = load_intent(&args.intent, catalog)?;
    let plan = &loaded.plan;
    let stdout = match args.format {
        PlanFormat::Text => report::plan_text(plan),
        PlanFormat::Json => serde_json::to_string_pretty(plan).unwrap_or_default() + "\n",
    };
    // A plan with error findings cannot be rendered: say so through the exit code, and
    // say where on stderr.
    let (code, stderr) = match loaded.findings_error() {
        Some(err) => (2, format!("error: {err}\n")),
        None => (0, String::new()),
    };
    Ok(Outcome {
        stdout,
        stderr,
        code,
    })
}

fn lint(args: &LintArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let Loaded { plan, origin, .. } = load_intent(&args.intent, catalog)?;
    let findings = &plan.findings;
    let stdout = match args.format {
        LintFormat::Text => report::findings_text(findings),
        LintFormat::Json => report::findings_json(findings),
        LintFormat::Sarif => report::findings_sarif(findings, &origin),
    };
    let failing = findings.iter().any(|f| {
        f.severity == Severity::Error || (args.deny_warnings && f.severity == Severity::Warning)
    });
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        code: u8::from(failing),
    })
}

/// Render the intent and compare with the output folder.
fn prepare(
    intent: &IntentArgs,
    output: Option<&Path>,
    catalog: &Catalog,
) -> Result<(Plan, PathBuf, output::ChangeSet), AppError> {
    let loaded = load_intent(intent, catalog)?;
    if let Some(err) = loaded.findings_error() {
        return Err(err.into());
    }
    let Loaded { plan, origin, .. } = loaded;
    let rendered = crate::render::render(&plan, &origin)?;
    let dir = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("out").join(&plan.cluster));
    let changes = output::plan_changes(&dir, &rendered)?;
    Ok((plan, dir, changes))
}

fn render(args: &RenderArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let (plan, dir, changes) = prepare(&args.intent, args.output.as_deref(), catalog)?;
    if args.dry_run {
        let mut stdout = output::format_unified(&changes, false);
        if !changes.has_differences() {
            stdout.push_str(&format!("{} is up to date\n", dir.display()));
        }
        return Ok(Outcome::ok(stdout));
    }
    let written = output::apply(&dir, &changes, &report::plan_numbers(&plan), args.force)?;
    let mut stdout = String::new();
    for (word, paths) in [
        ("created", &written.created),
        ("updated", &written.updated),
        ("unchanged", &written.unchanged),
        ("removed", &written.removed),
    ] {
        for p in paths {
            stdout.push_str(&format!("{word:<9} {}\n", dir.join(p).display()));
        }
    }
    Ok(Outcome::ok(stdout))
}

fn diff(args: &DiffArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let (plan, _, changes) = prepare(&args.intent, args.output.as_deref(), catalog)?;
    let numbers = report::plan_numbers(&plan);
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let stdout = match args.format {
        DiffFormat::Unified => output::format_unified(&changes, color),
        DiffFormat::Markdown => {
            output::format_markdown(&changes, changes.previous_numbers(), &numbers)
        }
        DiffFormat::Json => output::format_json(&changes, changes.previous_numbers(), &numbers),
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        code: u8::from(changes.has_differences()),
    })
}

fn unknown_type(name: &str, catalog: &Catalog) -> AppError {
    let hint = match catalog.suggest(name).first() {
        Some(best) => format!("did you mean `{best}`?"),
        None => "`eksgen catalog` lists known types".to_string(),
    };
    AppError::Usage {
        message: format!("unknown instance type `{}`; {hint}", name.escape_debug()),
    }
}

/// Every catalog type when `all`, else the named ones (an unknown name is an error).
fn types_named<'c>(
    names: &[String],
    all: bool,
    catalog: &'c Catalog,
) -> Result<Vec<&'c InstanceType>, AppError> {
    if all {
        return Ok(catalog.iter().collect());
    }
    names
        .iter()
        .map(|name| catalog.get(name).ok_or_else(|| unknown_type(name, catalog)))
        .collect()
}

fn max_pods_command(args: &MaxPodsArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let types = types_named(&args.types, args.all, catalog)?;
    let opts = MaxPodsOptions {
        prefix_delegation: args.prefix_delegation,
        custom_networking: args.custom_networking,
        max_eni: args.max_eni,
        uncapped: args.uncapped,
    };
    let rows: Vec<_> = types.iter().map(|t| max_pods(t, opts)).collect();
    Ok(Outcome::ok(match args.format {
        DataFormat::Text => report::max_pods_text(&rows),
        DataFormat::Json => report::max_pods_json(&rows),
    }))
}

fn catalog(args: &CatalogArgs, catalog: &CatalogInUse) -> Result<Outcome, AppError> {
    let named = types_named(&args.types, args.types.is_empty(), catalog)?;
    let shown: Vec<&InstanceType> = named
        .into_iter()
        .filter(|t| !args.gpu || t.gpu_count > 0)
        .filter(|t| !args.efa || t.efa_interfaces > 0)
        .collect();
    if args.source {
        let names: Vec<&str> = shown.iter().map(|t| t.name.as_str()).collect();
        return Ok(Outcome::ok(catalog.sources_report(&names, args.format)));
    }
    Ok(Outcome::ok(match args.format {
        DataFormat::Text => report::catalog_text(&shown),
        DataFormat::Json => report::catalog_json(&shown),
    }))
}

fn init(args: &InitArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    if args.list {
        let mut out = String::new();
        for (name, description, _) in presets::PRESETS {
            out.push_str(&format!("{name:<26} {description}\n"));
        }
        return Ok(Outcome::ok(out));
    }
    let name = args.preset.as_deref().unwrap_or_default();
    let text = preset_text(name)?;
    if let Some(cluster) = &args.name {
        let ok = intent::is_cluster_name(cluster);
        if !ok {
            return Err(AppError::Usage {
                message: format!(
                    "--name `{}` is not a valid EKS cluster name: use 1-100 characters of A-Z, a-z, 0-9, `-` and `_`, starting with a letter or digit",
                    cluster.escape_debug()
                ),
            });
        }
    }
    if let Some(region) = &args.region {
        if !intent::is_region(region) {
            return Err(AppError::Usage {
                message: format!(
                    "--region `{}` is not an AWS region name such as us-east-1",
                    region.escape_debug()
                ),
            });
        }
    }
    let text = presets::customize(text, args.name.as_deref(), args.region.as_deref());
    // The customized preset must still be a valid intent before anything is written.
    plan_from_text_with(&text, &args.output.display().to_string(), catalog)?;
    let text = ecosystem::with_schema_modeline(&text);
    write_intent_file(&args.output, &text, args.force)?;
    let schema_note = ecosystem::write_schema_beside(&args.output)?;
    Ok(Outcome {
        stdout: String::new(),
        stderr: format!(
            "wrote {} from preset `{name}`; next: `eksgen plan -f {0}` then `eksgen render -f {0}`\n{schema_note}",
            args.output.display()
        ),
        code: 0,
    })
}

/// Writes an intent file for `init`: refuses to replace anything already at `path` (a
/// dangling symbolic link included) without `force`, never writes through a link (with
/// `force` the link itself is replaced), and replaces atomically: the text goes to a temp
/// file in the same folder that is then renamed over `path`, so an interrupted run
/// leaves the old file or the new one, never half of one.
fn write_intent_file(path: &Path, text: &str, force: bool) -> Result<(), AppError> {
    use std::io::Write;
    let write_error = |source| AppError::Write {
        path: path.to_path_buf(),
        source,
    };
    let existing = match fs::symlink_metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(write_error(e)),
    };
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(AppError::Usage {
                message: format!(
                    "{} is a folder; name the intent file to write, e.g. -o {}",
                    path.display(),
                    path.join("eksgen.yaml").display()
                ),
            });
        }
        if !force {
            return Err(AppError::Usage {
                message: format!(
                    "{} already exists; pass --force to overwrite it",
                    path.display()
                ),
            });
        }
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.eksgen-{}.tmp", std::process::id()));
    // create_new never follows or reuses whatever is already at the temp name.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(write_error)?;
    let result = (|| {
        file.write_all(text.as_bytes())?;
        if let Some(meta) = existing.as_ref().filter(|m| m.is_file()) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(write_error(e));
    }
    Ok(())
}
