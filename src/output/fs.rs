//! The file-system primitives of eksgen: looking at what is below the output folder
//! without following links, staging files atomically (temp file in the same folder, then
//! rename), removing generated files and the empty folders they leave, and [`write_file`],
//! the same atomic write for the single files other commands write.
//!
//! Every function but [`write_file`] takes the output folder and a relative path that has
//! already passed `path::check` (or is eksgen's own manifest path). The output folder
//! itself is used as the caller gave it — if it is a symbolic link, the user chose it —
//! but every component *below* it is looked at with `symlink_metadata` and a link is
//! refused, so those functions never read, write or remove outside the output folder.
//! They must not be used on paths that did not go through that check, and never decide
//! *whether* to write: `mod.rs` does. [`write_file`] writes the one path its caller (a
//! command, from the command line) names, and never through a link at that path.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::OutputError;
use super::path::ancestors;

/// What is at a relative path below the output folder.
#[derive(Debug)]
pub(crate) enum OnDisk {
    Missing,
    File {
        bytes: Vec<u8>,
        permissions: Permissions,
    },
}

/// Whether the output folder exists (following a link at the folder itself, which the
/// user named); an error when it is something other than a folder.
pub(crate) fn output_dir_exists(dir: &Path) -> Result<bool, OutputError> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(true),
        Ok(_) => Err(OutputError::OutputIsFile {
            path: dir.to_path_buf(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error("look at", dir, e)),
    }
}

/// Looks at `dir/rel` without following any link below `dir`, and reads it when it is a
/// regular file.
pub(crate) fn inspect(dir: &Path, rel: &str) -> Result<OnDisk, OutputError> {
    for folder in ancestors(rel) {
        if !real_folder_exists(dir, folder, rel)? {
            return Ok(OnDisk::Missing);
        }
    }
    let path = dir.join(rel);
    let Some(meta) = lstat(&path)? else {
        return Ok(OnDisk::Missing);
    };
    if meta.file_type().is_symlink() {
        return Err(OutputError::Symlink { path });
    }
    if meta.is_dir() {
        return Err(OutputError::FolderInTheWay { path });
    }
    if !meta.is_file() {
        return Err(OutputError::NotRegularFile { path });
    }
    let bytes = read_same_file(&path, &meta)?;
    Ok(OnDisk::File {
        bytes,
        permissions: meta.permissions(),
    })
}

/// Whether `dir/folder` (a folder of `rel`) exists as a real folder; an error when it is
/// a link or a file.
fn real_folder_exists(dir: &Path, folder: &str, rel: &str) -> Result<bool, OutputError> {
    let path = dir.join(folder);
    match lstat(&path)? {
        None => Ok(false),
        Some(meta) if meta.file_type().is_symlink() => Err(OutputError::Symlink { path }),
        Some(meta) if meta.is_dir() => Ok(true),
        Some(_) => Err(OutputError::FileInTheWay {
            path,
            wanted: dir.join(rel),
        }),
    }
}

/// `symlink_metadata`, with "not there" as `None`.
fn lstat(path: &Path) -> Result<Option<fs::Metadata>, OutputError> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("look at", path, e)),
    }
}

/// Largest file eksgen reads in the output folder. Its largest generated file (eks.tf of
/// a few thousand node groups) stays well below; anything bigger is not eksgen's.
pub(crate) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the file that `lstat` described, refusing when it was swapped (for a link, say)
/// between the look and the open, and when it is larger than [`MAX_FILE_BYTES`] (never
/// read into memory whole).
fn read_same_file(path: &Path, seen: &fs::Metadata) -> Result<Vec<u8>, OutputError> {
    use std::io::Read;
    let file = File::open(path).map_err(|e| io_error("read", path, e))?;
    let opened = file.metadata().map_err(|e| io_error("read", path, e))?;
    if !same_file(seen, &opened) {
        return Err(OutputError::ChangedWhileWorking {
            path: path.to_path_buf(),
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error("read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(OutputError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}

/// The regular files directly in `dir/folder` (`""`: the output folder itself), by name,
/// when that folder is a real folder; links and sub-folders are left out. Nothing is read.
pub(crate) fn list_files(dir: &Path, folder: &str) -> Result<Vec<String>, OutputError> {
    let path = if folder.is_empty() {
        dir.to_path_buf()
    } else {
        for part in ancestors(&format!("{folder}/x")) {
            match lstat(&dir.join(part))? {
                Some(meta) if meta.is_dir() && !meta.file_type().is_symlink() => {}
                _ => return Ok(Vec::new()),
            }
        }
        dir.join(folder)
    };
    let entries = match fs::read_dir(&path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("list", &path, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error("list", &path, e))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if let (true, Some(name)) = (is_file, entry.file_name().to_str()) {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, b: &fs::Metadata) -> bool {
    b.is_file()
}

/// Creates `dir` (and missing parents), returning the folders it created, outermost
/// first, so a failed run can take them away again.
pub(crate) fn create_output_dir(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(path) = current {
        if path.as_os_str().is_empty() || fs::metadata(path).is_ok() {
            break;
        }
        missing.push(path.to_path_buf());
        current = path.parent();
    }
    missing.reverse();
    fs::create_dir_all(dir).map_err(|e| io_error("create the folder", dir, e))?;
    Ok(missing)
}

/// Makes sure every folder of `rel` exists below `dir` as a real folder, creating the
/// missing ones and recording them in `created`.
fn ensure_folders(dir: &Path, rel: &str, created: &mut Vec<PathBuf>) -> Result<(), OutputError> {
    for folder in ancestors(rel) {
        if !real_folder_exists(dir, folder, rel)? {
            let path = dir.join(folder);
            fs::create_dir(&path).map_err(|e| io_error("create the folder", &path, e))?;
            created.push(path);
        }
    }
    Ok(())
}

/// Removes folders recorded by [`ensure_folders`] / [`create_output_dir`] again, innermost
/// first, as far as they are empty. Best effort: used on the way out of a failed run.
pub(crate) fn remove_created_folders(created: &[PathBuf]) {
    for path in created.iter().rev() {
        let _ = fs::remove_dir(path);
    }
}

/// A complete temp file next to its target, renamed over the target by [`Staged::commit`].
/// Dropping it uncommitted removes the temp file (tempfile's `NamedTempFile` does), so no
/// half or stray file stays behind.
#[derive(Debug)]
pub(crate) struct Staged {
    temp: NamedTempFile,
    target: PathBuf,
}

/// Writes `content` into a new temp file in the folder of `dir/rel` (creating folders as
/// needed, recorded in `created`), with `permissions` when given. See [`write_file`] for
/// the fsync policy.
pub(crate) fn stage(
    dir: &Path,
    rel: &str,
    content: &[u8],
    permissions: Option<&Permissions>,
    created: &mut Vec<PathBuf>,
) -> Result<Staged, OutputError> {
    ensure_folders(dir, rel, created)?;
    let target = dir.join(rel);
    let temp = temp_beside(&target, content, permissions)
        .map_err(|(action, at, e)| io_error(action, &at, e))?;
    Ok(Staged { temp, target })
}

impl Staged {
    /// Atomically replaces the target with the staged file.
    pub(crate) fn commit(self) -> Result<(), OutputError> {
        self.temp
            .persist(&self.target)
            .map_err(|e| io_error("write", &self.target, e.error))?;
        Ok(())
    }
}

/// A temp file holding `content`, in the folder of `target` (so the rename that follows
/// stays on one file system), with `permissions` when given, else the permissions any new
/// file gets. On failure: what was being done, to which path, and why.
fn temp_beside(
    target: &Path,
    content: &[u8],
    permissions: Option<&Permissions>,
) -> Result<NamedTempFile, (&'static str, PathBuf, io::Error)> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Part of the target's name, to tell what a stray temp file was for, short enough
    // that the temp name stays within file name limits.
    let name: String = target
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(64).collect())
        .unwrap_or_default();
    let prefix = format!(".{name}.eksgen-");
    // `make_in` with create_new, not `tempfile_in`: a new file gets the mode any new file
    // gets (0666 less the umask, not tempfile's private 0600), and errors stay the
    // system's own (tempfile_in adds the temp file's name; messages name the target).
    // The name is random and created exclusively: nothing already there (a link planted at
    // a guessable name, say) is followed or reused.
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .make_in(folder, |path| {
            OpenOptions::new().write(true).create_new(true).open(path)
        })
        .map_err(|e| ("create a file in", folder.to_path_buf(), e))?;
    let write = |file: &mut File| -> io::Result<()> {
        file.write_all(content)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions.clone())?;
        }
        Ok(())
    };
    write(temp.as_file_mut()).map_err(|e| ("write", temp.path().to_path_buf(), e))?;
    Ok(temp)
}

/// Writes one file below the output folder atomically: stage, then commit.
pub(crate) fn write_atomic(dir: &Path, rel: &str, content: &[u8]) -> Result<(), OutputError> {
    let mut created = Vec::new();
    stage(dir, rel, content, None, &mut created)?.commit()
}

/// What [`write_file`] does when something is already at the target path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Leave it alone and fail with [`io::ErrorKind::AlreadyExists`]. Decided by the
    /// rename itself (no clobbering), so a file that appears meanwhile is kept too.
    Keep,
    /// Replace it, keeping a regular file's permission bits. A symbolic link there is
    /// replaced itself, never written through.
    Replace,
}

/// eksgen's one way to write a single file outside an output folder (`init`'s intent,
/// the schema beside it, `catalog import`'s overlay); the output stage stages its files
/// the same way ([`stage`]).
///
/// The content goes to a temp file in the target's folder, which is then renamed over the
/// target: an interrupted run leaves the old file or the new one, never half of one, and
/// never a stray temp file (it is removed on every error path).
///
/// The fsync policy, the same for every file eksgen writes: **no fsync**. Every file is
/// reproducible from its inputs by running the command again, the rename already protects
/// against an interrupted process, and a sync per file dominated render time under disk
/// load. After a power cut a file may be missing or empty: run the command again.
pub fn write_file(target: &Path, content: &[u8], existing: Existing) -> io::Result<()> {
    let keep_permissions = match existing {
        Existing::Keep => None,
        Existing::Replace => fs::symlink_metadata(target)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.permissions()),
    };
    let temp = temp_beside(target, content, keep_permissions.as_ref()).map_err(|(_, _, e)| e)?;
    match existing {
        Existing::Keep => temp.persist_noclobber(target).map_err(|e| e.error)?,
        Existing::Replace => temp.persist(target).map_err(|e| e.error)?,
    };
    Ok(())
}

/// Removes the generated file `dir/rel` (already missing is fine) and then each of its
/// folders below `dir` that is left empty.
pub(crate) fn remove_generated(dir: &Path, rel: &str) -> Result<(), OutputError> {
    let path = dir.join(rel);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("remove", &path, e)),
    }
    let folders: Vec<&str> = ancestors(rel).collect();
    for folder in folders.into_iter().rev() {
        // Fails (and stops) at the first folder that still holds something.
        if fs::remove_dir(dir.join(folder)).is_err() {
            break;
        }
    }
    Ok(())
}

/// Maps an I/O error to the typed error, singling out "permission denied".
pub(crate) fn io_error(action: &'static str, path: &Path, source: io::Error) -> OutputError {
    let path = path.to_path_buf();
    match source.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            OutputError::PermissionDenied { action, path }
        }
        _ => OutputError::Io {
            action,
            path,
            source,
        },
    }
}
