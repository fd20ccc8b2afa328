//! Disk full and permission errors through `dalel archive`, on a small tmpfs mounted in a
//! private mount namespace (so nothing leaks to the host): every failure is one clear line
//! that names the cause, nothing is left half-written, and the store stays consistent, so
//! that once the cause is gone `verify` passes and puts go on.
//!
//! Needs root (to mount); skipped otherwise. Each scenario is a shell script run under
//! `unshare --mount`; it records every command's stdout, stderr and status in files that the
//! test then checks.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use tests::binary;

/// Common start of every scenario. Arguments: the `dalel` binary, the mount point, the
/// output directory and a scratch directory outside the tmpfs, and the tmpfs size.
const PRELUDE: &str = r#"
set -eu
DALEL=$1 MNT=$2 OUT=$3 IN=$4
DATA=$MNT/data
ARCHIVE=$DATA/archive
mount -t tmpfs -o "size=$5" tmpfs "$MNT"
# run NAME COMMAND...: records the command's stdout, stderr and exit status under $OUT/NAME.
run() {
    name=$1
    shift
    if "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then echo 0; else echo $?; fi >"$OUT/$name.rc"
}
dalel() { "$DALEL" --data "$DATA" archive "$@"; }
# note NAME VALUE: records a value.
note() { printf '%s\n' "$2" >"$OUT/$1.note"; }
# Temporary files a write left behind (blob temporaries, atomic-write temporaries).
leftovers() { find "$ARCHIVE" -type f \( -path '*/.tmp/*' -o -name '*.tmp' \); }
"#;

/// Runs `script` after [`PRELUDE`] in a private mount namespace over a tmpfs of `size`, and
/// returns the directory of recorded outputs (with the temporary directory that holds it).
/// `None` when not running as root.
fn in_tmpfs(size: &str, script: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: mounting a tmpfs needs root");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    // Traversable, so that an unprivileged user meets the archive's own permissions.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let (mnt, out, scratch) = (
        tmp.path().join("mnt"),
        tmp.path().join("out"),
        tmp.path().join("in"),
    );
    for dir in [&mnt, &out, &scratch] {
        std::fs::create_dir(dir).unwrap();
    }
    let output = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!("{PRELUDE}{script}"))
        .arg("sh")
        .arg(binary("dalel"))
        .args([&mnt, &out, &scratch])
        .arg(size)
        .env_remove("DALEL_CONFIG")
        .env_remove("DALEL_DATA")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the scenario script failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    print_steps(&out);
    Some((tmp, out))
}

/// Prints every recorded step's status and stderr: the test's own log, shown on failure.
fn print_steps(out: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rc").map(str::to_owned)
        })
        .collect();
    names.sort();
    for name in names {
        let step = step(out, &name);
        eprintln!("{name}: exit {} {}", step.rc, step.stderr.trim());
    }
}

/// One recorded command.
#[derive(Debug)]
struct Step {
    name: String,
    rc: i32,
    stdout: String,
    stderr: String,
}

fn read(out: &Path, name: &str, ext: &str) -> String {
    let path = out.join(format!("{name}.{ext}"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} was not recorded: {e}", path.display()))
}

fn step(out: &Path, name: &str) -> Step {
    Step {
        name: name.to_owned(),
        rc: read(out, name, "rc").trim().parse().unwrap(),
        stdout: read(out, name, "out"),
        stderr: read(out, name, "err"),
    }
}

fn note(out: &Path, name: &str) -> String {
    read(out, name, "note").trim().to_owned()
}

impl Step {
    /// Asserts success and returns stdout.
    fn ok(&self) -> &str {
        assert_eq!(self.rc, 0, "{}: {}{}", self.name, self.stdout, self.stderr);
        &self.stdout
    }

    /// Asserts exit status 1 with exactly one line on stderr, `error: ...`, containing every
    /// needle, and returns that line.
    fn clear_error(&self, needles: &[&str]) -> &str {
        assert_eq!(self.rc, 1, "{}: {}{}", self.name, self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let [line] = lines.as_slice() else {
            panic!(
                "{}: expected one line on stderr: {}",
                self.name, self.stderr
            );
        };
        assert!(line.starts_with("error: "), "{}: {line}", self.name);
        for needle in needles {
            assert!(
                line.contains(needle),
                "{}: no {needle:?} in {line}",
                self.name
            );
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        line
    }

    /// For a `verify` step: asserts a clean audit and returns the number of entries.
    fn verified(&self) -> u64 {
        let report = self.ok();
        let entries = report
            .strip_prefix("OK: ")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok());
        entries.unwrap_or_else(|| panic!("{}: {report}", self.name))
    }

    /// For a `put` step: asserts success and returns the entry index of the receipt.
    fn put_index(&self) -> u64 {
        let receipt: serde_json::Value = serde_json::from_str(self.ok()).unwrap();
        receipt["index"].as_u64().unwrap()
    }
}

/// Asserts that nothing a write leaves only while in progress is left behind.
fn no_leftovers(out: &Path, name: &str) {
    let found = read(out, name, "leftovers");
    assert!(found.trim().is_empty(), "{name}: left behind: {found}");
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_store_stays_consistent() {
    let script = r#"
# Room to make later, and content that cannot all fit.
head -c 524288 /dev/zero >"$MNT/filler"
i=0
while [ $i -lt 40 ]; do
    i=$((i + 1))
    head -c 300000 /dev/urandom >"$IN/$i"
    run fill dalel put "$IN/$i"
    [ "$(cat "$OUT/fill.rc")" = 0 ] || break
done
note puts $i
leftovers >"$OUT/blob_full.leftovers"
run full_verify dalel verify
rm "$MNT/filler"
run blob_verify dalel verify
head -c 1000 /dev/urandom >"$IN/after"
run blob_put dalel put "$IN/after"

# Now the log, not the blob: fill the disk to the last page, free one page (so that opening
# the archive can rewrite its small state files), and archive empty content with a large
# description, whose entry needs more than that page.
cat /dev/zero >"$MNT/filler" 2>/dev/null || true
truncate -s -4096 "$MNT/filler"
: >"$IN/empty"
big=$(head -c 12000 /dev/zero | tr '\0' x)
note entries_before "$(stat -c %s "$ARCHIVE/log/entries")"
run log_full dalel put "$IN/empty" --meta "big=$big"
note entries_after "$(stat -c %s "$ARCHIVE/log/entries")"
leftovers >"$OUT/log_full.leftovers"
rm "$MNT/filler"
run log_verify dalel verify
run log_put dalel put "$IN/empty" --meta "big=$big"
run final_verify dalel verify
leftovers >"$OUT/final.leftovers"
"#;
    let Some((_tmp, out)) = in_tmpfs("4m", script) else {
        return;
    };
    // The blob does not fit.
    let puts: u64 = note(&out, "puts").parse().unwrap();
    assert!(
        (2..40).contains(&puts),
        "{puts} puts before the disk was full"
    );
    step(&out, "fill").clear_error(&["No space left on device", "/archive/blobs/.tmp/"]);
    no_leftovers(&out, "blob_full");
    // On the full disk, the audit runs or says clearly why it cannot.
    let full_verify = step(&out, "full_verify");
    if full_verify.rc != 0 {
        full_verify.clear_error(&["No space left on device"]);
    }
    let stored = puts - 1;
    assert_eq!(step(&out, "blob_verify").verified(), stored);
    assert_eq!(step(&out, "blob_put").put_index(), stored);

    // The blob fits, its entry does not: the append is cut back off the log.
    step(&out, "log_full").clear_error(&[
        "No space left on device",
        "the append was not stored",
        "/archive/log/entries",
    ]);
    assert_eq!(note(&out, "entries_after"), note(&out, "entries_before"));
    no_leftovers(&out, "log_full");
    assert_eq!(step(&out, "log_verify").verified(), stored + 1);
    assert_eq!(step(&out, "log_put").put_index(), stored + 1);
    assert_eq!(step(&out, "final_verify").verified(), stored + 2);
    no_leftovers(&out, "final");
}

#[test]
fn read_only_and_permission_errors_are_clear_and_the_store_stays_consistent() {
    let script = r#"
head -c 100000 /dev/urandom >"$IN/first"
run first dalel put "$IN/first"
echo hello >"$MNT/hello"
chmod 644 "$MNT/hello"
# ro DIR: makes DIR read-only through a read-only bind mount over itself.
ro() { mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"; }

ro "$ARCHIVE/blobs"
run ro_blobs dalel put "$MNT/hello"
run ro_blobs_verify dalel verify
umount "$ARCHIVE/blobs"

ro "$ARCHIVE/log"
run ro_log dalel put "$MNT/hello"
umount "$ARCHIVE/log"

ro "$ARCHIVE/checkpoints"
run ro_checkpoints dalel put "$MNT/hello"
run ro_checkpoints_verify dalel verify
umount "$ARCHIVE/checkpoints"

mount -o remount,ro "$MNT"
run ro_all dalel put "$MNT/hello"
run ro_all_verify dalel verify
mount -o remount,rw "$MNT"

# Root ignores permission bits; an unprivileged user does not.
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$DALEL" --data "$DATA" archive "$@"; }
run nobody_data nobody put "$MNT/hello"
chmod 777 "$DATA"
run nobody_archive nobody put "$MNT/hello"
chmod 700 "$DATA"

leftovers >"$OUT/final.leftovers"
run rw_verify dalel verify
run rw_put dalel put "$MNT/hello"
run final_verify dalel verify
"#;
    let Some((_tmp, out)) = in_tmpfs("16m", script) else {
        return;
    };
    assert_eq!(step(&out, "first").put_index(), 0);
    let read_only = "Read-only file system";

    // Blobs read-only: refused before anything is written; the store reads fine.
    step(&out, "ro_blobs").clear_error(&[read_only, "/archive/blobs/.tmp/"]);
    assert_eq!(step(&out, "ro_blobs_verify").verified(), 1);
    // Log read-only: the archive cannot be opened for writing.
    step(&out, "ro_log").clear_error(&[read_only, "/archive/log/entries"]);
    // Checkpoints read-only: the put fails when signing. (Its entry is already durable by
    // then, so the store holds one or two entries; either way it is consistent.)
    step(&out, "ro_checkpoints").clear_error(&[read_only, "/archive/checkpoints/"]);
    let after_checkpoints = step(&out, "ro_checkpoints_verify").verified();
    assert!((1..=2).contains(&after_checkpoints), "{after_checkpoints}");
    // The whole file system read-only.
    step(&out, "ro_all").clear_error(&[read_only]);
    // Auditing a read-only store works, or fails clearly.
    let ro_verify = step(&out, "ro_all_verify");
    if ro_verify.rc != 0 {
        ro_verify.clear_error(&[read_only]);
    }

    step(&out, "nobody_data").clear_error(&["Permission denied", "/data"]);
    // The first thing `put` opens is the archive (the station's keys open meanwhile).
    step(&out, "nobody_archive").clear_error(&["Permission denied", "/data/archive/"]);

    no_leftovers(&out, "final");
    assert_eq!(step(&out, "rw_verify").verified(), after_checkpoints);
    assert_eq!(step(&out, "rw_put").put_index(), after_checkpoints);
    assert_eq!(step(&out, "final_verify").verified(), after_checkpoints + 1);
}
