//! Atomic file writes: write a temporary file in the same directory, fsync it,
//! rename it over the target, fsync the directory. A crash at any instant leaves the
//! old file or the new one, never a mix (ARCHITECTURE.md, "Invariants").

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// The SHA-256 of `bytes` in lowercase hexadecimal, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to `path` atomically. The parent directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temporary(path, bytes, |tmp, path| fs::rename(tmp, path))
}

/// Replaces `path` with `bytes` atomically only if the file it replaces holds
/// exactly `expected`; returns whether it replaced it.
///
/// A save decides on the file as it read it. Writing and fsyncing the new text takes
/// milliseconds, in which another program (an editor, `sed -i`, git) may replace the
/// file; a plain rename would then overwrite that edit. On Linux the new file is
/// swapped in with `renameat2(RENAME_EXCHANGE)` and the file it displaced is read: if
/// it is not the one decided on, the two are swapped back, so the outside edit stays and
/// the save is refused. Elsewhere (or on a file system without the exchange) the file is
/// compared again right before the rename, which leaves the microseconds between the
/// comparison and the rename (ARCHITECTURE.md, "Invariants").
pub fn replace_if(path: &Path, bytes: &[u8], expected: &[u8]) -> Result<bool> {
    let mut replaced = false;
    write_via_temporary(path, bytes, |tmp, path| {
        replaced = match exchange(tmp, path)? {
            Some(()) => {
                if fs::read(tmp)? == expected {
                    true
                } else {
                    swap_back(tmp, path, bytes)?;
                    false
                }
            }
            None => {
                let still = fs::read(path)? == expected;
                if still {
                    fs::rename(tmp, path)?;
                }
                still
            }
        };
        if fs::exists(tmp)? {
            fs::remove_file(tmp)?;
        }
        Ok(())
    })?;
    Ok(replaced)
}

/// Swaps `tmp` and `path` atomically; `None` where the platform or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(tmp: &Path, path: &Path) -> std::io::Result<Option<()>> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, tmp, CWD, path, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(Some(())),
        Err(e)
            if e == rustix::io::Errno::INVAL
                || e == rustix::io::Errno::NOSYS
                || e == rustix::io::Errno::OPNOTSUPP =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_tmp: &Path, _path: &Path) -> std::io::Result<Option<()>> {
    Ok(None)
}

/// Puts back the outside edit that a swap displaced to `tmp`. If yet another program
/// replaced the file in the microseconds between the swaps, its file is now in `tmp`
/// instead of ours, and it is the newest: it goes back in place.
fn swap_back(tmp: &Path, path: &Path, ours: &[u8]) -> std::io::Result<()> {
    exchange(tmp, path)?;
    if fs::read(tmp)? != ours {
        fs::rename(tmp, path)?;
    }
    Ok(())
}

/// Creates `path` with `bytes` atomically, failing with
/// [`std::io::ErrorKind::AlreadyExists`] if the file exists (even if another process
/// creates it at the same instant): the complete temporary file is hard-linked to the
/// new name, which the file system does only if the name is free.
pub fn create_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temporary(path, bytes, |tmp, path| {
        let linked = fs::hard_link(tmp, path);
        let _ = fs::remove_file(tmp);
        linked
    })
}

/// Writes several files, each atomically as [`write_atomic`] does, with the costs paid
/// once rather than per file: each folder is swept of stale temporaries once, the new
/// contents reach the disk with one flush before any rename, and each folder is
/// synced once after. An error before the renames leaves every file as it was; an
/// error during them is returned with the files renamed so far in place (the caller
/// puts them back: `Isms::write_all`).
///
/// With a `journal`, the files are one change even across a crash: once every new
/// content is on the disk, the journal (each temporary and the file it becomes) is
/// written before the first rename and removed after the last, so a process killed
/// between them leaves a journal that [`finish_interrupted_writes`] completes.
pub fn write_many_atomic(files: &[(&Path, &[u8])], journal: Option<&Path>) -> Result<()> {
    // Nothing to write (an import whose every row is as the files are) is done.
    if files.is_empty() {
        return Ok(());
    }
    let mut dirs: Vec<&Path> = Vec::new();
    for (path, _) in files {
        let dir = path
            .parent()
            .ok_or_else(|| Error::io(*path, std::io::Error::other("no parent directory")))?;
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    for dir in &dirs {
        sweep_stale_temporaries(dir);
    }
    let mut temporaries: Vec<(std::path::PathBuf, File)> = Vec::new();
    let remove_all = |temporaries: &[(std::path::PathBuf, File)]| {
        for (tmp, _) in temporaries {
            let _ = fs::remove_file(tmp);
        }
    };
    for (path, bytes) in files {
        let dir = path
            .parent()
            .expect("checked above: every path has a parent");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("record");
        let tmp = dir.join(format!(".{name}.{}.0.tmp", std::process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes).map(|()| f));
        match written {
            Ok(f) => temporaries.push((tmp, f)),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                remove_all(&temporaries);
                return Err(Error::io(*path, e));
            }
        }
    }
    if let Err(e) = flush(&temporaries, &dirs) {
        remove_all(&temporaries);
        return Err(Error::io(dirs[0], e));
    }
    if let Some(journal) = journal {
        let lines: String = temporaries
            .iter()
            .zip(files)
            .map(|((tmp, _), (path, _))| format!("{}\t{}\n", tmp.display(), path.display()))
            .collect();
        if let Err(e) = write_atomic(journal, lines.as_bytes()) {
            remove_all(&temporaries);
            return Err(e);
        }
    }
    let forget_journal = || {
        if let Some(journal) = journal {
            let _ = fs::remove_file(journal);
            if let Some(dir) = journal.parent() {
                let _ = sync_directory(dir);
            }
        }
    };
    for ((tmp, _), (path, _)) in temporaries.iter().zip(files) {
        if let Err(e) = fs::rename(tmp, path) {
            remove_all(&temporaries);
            forget_journal();
            return Err(Error::io(*path, e));
        }
    }
    for dir in dirs {
        sync_directory(dir).map_err(|e| Error::io(dir, e))?;
    }
    forget_journal();
    Ok(())
}

/// Completes a [`write_many_atomic`] whose process died between its first rename and
/// its last: each temporary the journal lists that is still there becomes its file.
/// Returns how many it moved into place; `None` when there was no journal. The caller
/// holds the write lock, so the writer is gone (it held the lock until it died).
pub fn finish_interrupted_writes(journal: &Path) -> Result<Option<usize>> {
    let text = match fs::read_to_string(journal) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(journal, e)),
    };
    let mut moved = 0;
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for line in text.lines() {
        let Some((tmp, target)) = line.split_once('\t') else {
            continue;
        };
        let (tmp, target) = (Path::new(tmp), Path::new(target));
        if tmp.is_file() {
            fs::rename(tmp, target).map_err(|e| Error::io(target, e))?;
            moved += 1;
            if let Some(dir) = target.parent() {
                if !dirs.iter().any(|d| d == dir) {
                    dirs.push(dir.to_path_buf());
                }
            }
        }
    }
    for dir in &dirs {
        sync_directory(dir).map_err(|e| Error::io(dir, e))?;
    }
    fs::remove_file(journal).map_err(|e| Error::io(journal, e))?;
    if let Some(dir) = journal.parent() {
        sync_directory(dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(Some(moved))
}

/// Puts the temporaries' contents on the disk: one `syncfs` of their file system on
/// Linux, each file's fsync elsewhere.
#[cfg(target_os = "linux")]
fn flush(_files: &[(std::path::PathBuf, File)], dirs: &[&Path]) -> std::io::Result<()> {
    rustix::fs::syncfs(File::open(dirs[0])?)?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn flush(files: &[(std::path::PathBuf, File)], _dirs: &[&Path]) -> std::io::Result<()> {
    for (_, f) in files {
        f.sync_all()?;
    }
    Ok(())
}

fn write_via_temporary(
    path: &Path,
    bytes: &[u8],
    put_in_place: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::io(path, std::io::Error::other("no parent directory")))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("record");
    sweep_stale_temporaries(dir);
    let mut attempt = 0u32;
    let (tmp_path, mut tmp) = loop {
        let candidate = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(Error::io(&candidate, e)),
        }
    };
    let result = (|| {
        tmp.write_all(bytes)?;
        tmp.sync_all()?;
        drop(tmp);
        put_in_place(&tmp_path, path)?;
        sync_directory(dir)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Makes a rename in `dir` durable. On Unix that is an fsync of the directory; Windows
/// cannot open a directory as a file, and NTFS journals the rename itself (the file
/// is the old one or the new one after a crash, as everywhere).
#[cfg(unix)]
fn sync_directory(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_directory(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

pub use crate::domain::TEMPORARY_FILES;

/// A temporary file of a save: `.{target}.{pid}.{n}.tmp`, written by process `pid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Temporary {
    /// The file it was to become.
    pub target: String,
    /// The process that wrote it.
    pub pid: u32,
}

impl Temporary {
    /// The temporary file a file name is, if it is one.
    pub fn of(file_name: &str) -> Option<Temporary> {
        let rest = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
        let mut parts = rest.rsplitn(3, '.');
        let _attempt: u32 = parts.next()?.parse().ok()?;
        let pid: u32 = parts.next()?.parse().ok()?;
        let target = parts.next()?.to_string();
        Some(Temporary { target, pid })
    }

    /// Whether its writer is gone, so the file is left over from a killed save.
    pub fn is_stale(&self) -> bool {
        self.pid != std::process::id() && !process_is_alive(self.pid)
    }
}

/// Removes the temporary files in `dir` left by saves that were killed mid-write
/// (their process is gone). Another live writer's temporary file is never touched.
fn sweep_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .and_then(Temporary::of)
            .is_some_and(|t| t.is_stale());
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(target_os = "linux")]
pub(crate) fn process_is_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn process_is_alive(_pid: u32) -> bool {
    // Without a cheap way to tell, assume it is: a stale file is only clutter.
    true
}

/// Reads files below a repository's root without following a symbolic link on the
/// way: each folder is opened once, itself refused when it is a link, and each file
/// is opened relative to its folder, refused when it is a link. A link swapped in after
/// the folders were walked is refused too (on Unix; elsewhere the path is checked
/// before it is read). Reading many files of one folder costs one open each.
pub struct NoFollowReader<'a> {
    root: &'a Path,
    #[cfg(unix)]
    folder: Option<(String, std::os::fd::OwnedFd)>,
}

impl<'a> NoFollowReader<'a> {
    /// A reader of files below `root` (a canonical path).
    pub fn new(root: &'a Path) -> NoFollowReader<'a> {
        NoFollowReader {
            root,
            #[cfg(unix)]
            folder: None,
        }
    }

    /// The bytes of `rel` (`risks/R-001.md`, with `/`), or why not: a link on the way
    /// is [`std::io::ErrorKind::InvalidInput`]. `size` is what the file's size was when
    /// it was walked (a hint: the file is read whole whatever it is now).
    #[cfg(unix)]
    pub fn read(&mut self, rel: &str, size: u64) -> std::io::Result<Vec<u8>> {
        use rustix::fs::{openat, Mode, OFlags, CWD};
        use std::io::Read;
        let link = |e: rustix::io::Errno| -> std::io::Error {
            if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a symbolic link is on its way",
                )
            } else {
                e.into()
            }
        };
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        if self.folder.as_ref().is_none_or(|(f, _)| f != folder) {
            let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let mut dir = openat(CWD, self.root, dir_flags, Mode::empty())?;
            for part in folder.split('/').filter(|p| !p.is_empty()) {
                dir = openat(&dir, part, dir_flags, Mode::empty()).map_err(link)?;
            }
            self.folder = Some((folder.to_string(), dir));
        }
        let (_, dir) = self.folder.as_ref().expect("opened just above");
        let fd = openat(
            dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(link)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
        File::from(fd).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// The bytes of `rel`, refused when a link is on its way.
    #[cfg(not(unix))]
    pub fn read(&mut self, rel: &str, _size: u64) -> std::io::Result<Vec<u8>> {
        let mut full = self.root.to_path_buf();
        for part in rel.split('/') {
            full.push(part);
            if fs::symlink_metadata(&full)?.file_type().is_symlink() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a symbolic link is on its way",
                ));
            }
        }
        fs::read(full)
    }
}

/// What a folder entry is, as the walk of record folders needs it: never following a
/// link.
#[derive(Debug, Clone, Copy)]
pub struct EntryStat {
    /// A symbolic link (not followed).
    pub is_symlink: bool,
    /// A folder.
    pub is_dir: bool,
    /// A regular file.
    pub is_file: bool,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// Stats the entries of one folder relative to the folder itself (on Unix, by
/// `fstatat` on the folder opened once, so the kernel does not walk the whole path
/// again for each of ten thousand files).
pub struct FolderStat {
    #[cfg(unix)]
    dir: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    dir: std::path::PathBuf,
}

impl FolderStat {
    /// Opens `folder` (not following a link to it).
    pub fn open(folder: &Path) -> std::io::Result<FolderStat> {
        #[cfg(unix)]
        {
            use rustix::fs::{openat, Mode, OFlags, CWD};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            Ok(FolderStat {
                dir: openat(CWD, folder, flags, Mode::empty())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(FolderStat {
                dir: folder.to_path_buf(),
            })
        }
    }

    /// What each of `names` in `folder` is, in order; a large folder is stated on two
    /// threads (a warm open is mostly this).
    pub fn all(folder: &Path, names: &[&str]) -> std::io::Result<Vec<std::io::Result<EntryStat>>> {
        /// Below this many entries one thread is quicker.
        const ON_ONE_THREAD: usize = 512;
        if names.len() < ON_ONE_THREAD {
            let mut stat = FolderStat::open(folder)?;
            return Ok(names.iter().map(|n| stat.of(n)).collect());
        }
        let half = names.len() / 2;
        let (first, second) = names.split_at(half);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| -> std::io::Result<Vec<std::io::Result<EntryStat>>> {
                let mut stat = FolderStat::open(folder)?;
                Ok(second.iter().map(|n| stat.of(n)).collect())
            });
            let mut stat = FolderStat::open(folder)?;
            let mut out: Vec<_> = first.iter().map(|n| stat.of(n)).collect();
            out.extend(
                other
                    .join()
                    .expect("stating files does not panic because its errors are values")?,
            );
            Ok(out)
        })
    }

    /// What entry `name` of the folder is.
    pub fn of(&mut self, name: &str) -> std::io::Result<EntryStat> {
        #[cfg(unix)]
        {
            use rustix::fs::{statat, AtFlags, FileType};
            let st = statat(&self.dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
            let kind = FileType::from_raw_mode(st.st_mode);
            // `st_mtime` is an i64 on 64-bit Linux, narrower elsewhere.
            #[allow(clippy::useless_conversion)]
            let nanos = i64::from(st.st_mtime)
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(st.st_mtime_nsec as i32));
            Ok(EntryStat {
                is_symlink: kind == FileType::Symlink,
                is_dir: kind == FileType::Directory,
                is_file: kind == FileType::RegularFile,
                size: u64::try_from(st.st_size).unwrap_or(0),
                mtime_ns: nanos,
            })
        }
        #[cfg(not(unix))]
        {
            let meta = fs::symlink_metadata(self.dir.join(name))?;
            Ok(EntryStat {
                is_symlink: meta.file_type().is_symlink(),
                is_dir: meta.is_dir(),
                is_file: meta.is_file(),
                size: meta.len(),
                mtime_ns: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
            })
        }
    }
}

/// Whether `folder` holds an earlier output of the same command, to be replaced whole:
/// `false` when it is missing or empty, `true` when every file in it is one the
/// command writes (`ours`) and `marker` is among them, and an error naming a file that
/// is not, which replacing the folder would lose. `what` says what the folder should
/// have held ("a published page; …").
pub fn earlier_output(
    folder: &Path,
    ours: impl Fn(&str) -> bool,
    marker: &str,
    what: &str,
) -> Result<bool> {
    let mut found = Vec::new();
    match files_under(folder, folder, &mut found) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(folder, e)),
        Ok(()) => {}
    }
    if found.is_empty() {
        return Ok(false);
    }
    match found.iter().find(|f| !ours(f)) {
        None if found.iter().any(|f| f == marker) => Ok(true),
        other => Err(Error::Usage(format!(
            "{} holds {}, which is not part of {what}",
            folder.display(),
            other.map_or("files", String::as_str)
        ))),
    }
}

/// The files under `dir`, relative to `root`, with `/`.
fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            files_under(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Writes `files` (paths relative to the folder, with `/`) into a new folder beside
/// `folder`, then puts it in `folder`'s place, so that a failure leaves `folder` as it
/// was. `replace`: `folder` holds an earlier output to replace (see
/// [`earlier_output`]); otherwise it must be missing or empty.
pub fn replace_folder(folder: &Path, files: &[(&str, &[u8])], replace: bool) -> Result<()> {
    let name = folder
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{} is not a folder name", folder.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = folder
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf);
    // Every file stays inside the folder, whatever its name says.
    if let Some((rel, _)) = files.iter().find(|(rel, _)| {
        let p = Path::new(rel);
        rel.is_empty()
            || p.components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
    }) {
        return Err(Error::Usage(format!(
            "{rel:?} would be written outside {}; nothing was written",
            folder.display()
        )));
    }
    let staging = parent.join(format!(".{name}.writing.{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let written = (|| -> Result<()> {
        for (rel, bytes) in files {
            let path = staging.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            write_atomic(&path, bytes)?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let old = parent.join(format!(".{name}.replaced.{}", std::process::id()));
    if folder.exists() {
        // Empty, or an earlier output (checked before anything was written).
        if replace {
            fs::rename(folder, &old).map_err(|e| Error::io(folder, e))?;
        } else {
            fs::remove_dir(folder).map_err(|e| Error::io(folder, e))?;
        }
    }
    if let Err(e) = fs::rename(&staging, folder) {
        if replace {
            let _ = fs::rename(&old, folder);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::io(folder, e));
    }
    if replace {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_folder_of_output_never_writes_outside_itself() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = dir.path().join("pack");
        for rel in ["../escaped", "a/../../escaped", "/etc/escaped", ""] {
            let err =
                replace_folder(&folder, &[(rel, b"x".as_slice())], false).expect_err("refused");
            assert!(err.to_string().contains("outside"), "{err}");
        }
        assert!(!folder.exists());
        assert!(!dir.path().join("escaped").exists());
        replace_folder(&folder, &[("a/b.txt", b"x".as_slice())], false).expect("written");
        assert_eq!(fs::read(folder.join("a/b.txt")).expect("there"), b"x");
    }
    use super::*;

    #[test]
    fn a_write_of_several_files_removes_its_journal_and_a_killed_one_is_finished_from_it() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (a, b) = (dir.path().join("a.md"), dir.path().join("b.md"));
        let journal = dir.path().join("pending-writes");
        fs::write(&a, "A0").expect("writable");
        fs::write(&b, "B0").expect("writable");
        write_many_atomic(&[], Some(&journal)).expect("nothing to write is done");
        write_many_atomic(&[(&a, b"A1"), (&b, b"B1")], Some(&journal)).expect("written");
        assert_eq!(fs::read_to_string(&b).expect("b"), "B1");
        assert!(!journal.exists(), "the journal goes when the write is done");
        // What a process killed after its first rename leaves: a in place, b's
        // temporary (of a dead process) still waiting, and the journal.
        let tmp_a = dir.path().join(".a.md.4194303.0.tmp");
        let tmp_b = dir.path().join(".b.md.4194303.0.tmp");
        fs::write(&a, "A2").expect("writable");
        fs::write(&tmp_b, "B2").expect("writable");
        fs::write(
            &journal,
            format!(
                "{}\t{}\n{}\t{}\n",
                tmp_a.display(),
                a.display(),
                tmp_b.display(),
                b.display()
            ),
        )
        .expect("writable");
        assert_eq!(
            finish_interrupted_writes(&journal).expect("finished"),
            Some(1)
        );
        assert_eq!(fs::read_to_string(&a).expect("a"), "A2");
        assert_eq!(fs::read_to_string(&b).expect("b"), "B2");
        assert!(!journal.exists() && !tmp_b.exists());
        assert_eq!(finish_interrupted_writes(&journal).expect("nothing"), None);
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("R-001.md");
        write_atomic(&path, b"old").expect("first write");
        write_atomic(&path, "ny værdi".as_bytes()).expect("second write");
        assert_eq!(fs::read_to_string(&path).expect("readable"), "ny værdi");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("listable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("sub");
        fs::create_dir(&path).expect("a directory in the way");
        let err = write_atomic(&path, b"x").expect_err("cannot rename a file over a directory");
        assert_eq!(err.code(), crate::ErrorCode::Io);
        assert!(path.is_dir());
        assert_eq!(
            fs::read_dir(dir.path()).expect("listable").count(),
            1,
            "temporary file removed"
        );
    }
}
