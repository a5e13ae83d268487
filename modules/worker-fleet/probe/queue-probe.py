# Queue probe for Cribl worker drains. Embedded verbatim in our SSM Command document (see ../queue-probe.ts) and run as
# root by the SSM agent through a quoted heredoc, so nothing in this file is ever expanded by a shell.
#
# Inputs (environment only; SSM sets them through interpolationType ENV_VAR):
#   SSM_queueDirectories  comma-separated absolute directory paths
#   SSM_serviceName       systemd unit name of the Cribl service
# Output: exactly one JSON line on stdout, exit 0:
#   {"v":1,"queues":[{"path":...,"exists":bool,"bytes":int|null,"files":int|null}],
#    "serviceActive":true|false|null,"errors":[{"path":str|null,"code":str,"message":str}]}
#   A symbolic link or a mount point inside a queue directory is reported (code "symlink" / "mount_point") and that
#   queue gets null bytes and files: data behind it cannot be counted, so the reading can never say "drained".
# A malformed or missing input prints a message on stderr, nothing on stdout, and exits 2.
#
# Stay compatible with Python 3.9 (Amazon Linux 2023) and the standard library. No double braces anywhere in this
# file: SSM would read them as parameter placeholders.

import json
import os
import re
import stat
import subprocess
import sys

# Must stay identical to QUEUE_DIRECTORIES_PATTERN in ../queue-probe.ts (a unit test compares them).
QUEUE_DIRECTORIES_PATTERN = r"^/([A-Za-z0-9_ /-]|\.[A-Za-z0-9_ /-])*\.?(,/([A-Za-z0-9_ /-]|\.[A-Za-z0-9_ /-])*\.?)*$"
SERVICE_NAME_PATTERN = r"^[A-Za-z0-9@._-]{1,64}$"
MAX_QUEUE_DIRECTORIES_LENGTH = 4096
MAX_ERRORS = 20
MAX_MESSAGE_LENGTH = 200
SYSTEMCTL_TIMEOUT_SECONDS = 10

# systemctl is-active states in which the service process is (still) running.
RUNNING_STATES = ("active", "reloading", "activating", "deactivating", "refreshing")
STOPPED_STATES = ("inactive", "failed", "dead")


def refuse(message):
    sys.stderr.write("queue-probe: refused: " + message + "\n")
    sys.exit(2)


def read_parameter(name, pattern, max_length):
    value = os.environ.get(name)
    if value is None:
        refuse(name + " is not set (SSM agent 3.3.2746.0 or later is required for ENV_VAR interpolation)")
    if len(value) > max_length:
        refuse(name + " is longer than " + str(max_length) + " characters")
    # fullmatch, so a trailing newline cannot slip past "$".
    if "\n" in value or "\r" in value or re.fullmatch(pattern, value) is None:
        refuse(name + " does not match " + pattern)
    return value


class Report:
    def __init__(self):
        self.errors = []
        self.dropped = 0

    def error(self, path, code, message):
        if len(self.errors) >= MAX_ERRORS:
            self.dropped += 1
            return
        self.errors.append({"path": path, "code": code, "message": str(message)[:MAX_MESSAGE_LENGTH]})


def measure(path, report):
    """Facts about one configured queue directory. Never reports 0 bytes for something it could not read."""
    result = {"path": path, "exists": False, "bytes": None, "files": None}
    try:
        # Follows a symlink at the root on purpose: the queue directory may be a link to a dedicated volume. Inside it,
        # links and mount points make the reading unknown (see below).
        root = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return result
    except OSError as exc:
        report.error(path, "unreadable", exc)
        return result
    result["exists"] = True
    if not stat.S_ISDIR(root.st_mode):
        report.error(path, "not_a_directory", "exists but is not a directory")
        return result

    # A link or another file system inside a queue directory hides bytes from this walk (links are not followed, and a
    # mount may be unmounted or full of someone else's data): the reading is then unknown, never 0 or "drained".
    hidden = []
    total_bytes = 0
    total_files = 0
    pending = [path]
    while pending:
        directory = pending.pop()
        try:
            iterator = os.scandir(directory)
        except FileNotFoundError:
            if directory == path:
                # The root vanished between stat and scandir.
                result["exists"] = False
                return result
            continue  # a subdirectory removed while we walk holds nothing any more
        except OSError as exc:
            report.error(path, "unreadable", exc)
            return result
        try:
            with iterator:
                for entry in iterator:
                    try:
                        # d_type answers these without a system call; symlinks are neither followed nor counted.
                        if entry.is_symlink():
                            hidden.append(("symlink", entry.path))
                        elif entry.is_dir(follow_symlinks=False):
                            if entry.stat(follow_symlinks=False).st_dev != root.st_dev:
                                hidden.append(("mount_point", entry.path))
                            else:
                                pending.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            size = entry.stat(follow_symlinks=False).st_size
                            total_bytes += size
                            total_files += 1
                    except FileNotFoundError:
                        continue  # removed while we walk: it holds nothing any more
        except OSError as exc:
            report.error(path, "unreadable", exc)
            return result

    if hidden:
        for code, where in hidden[:MAX_ERRORS]:
            what = "a symbolic link" if code == "symlink" else "a mount point (another file system)"
            report.error(path, code, where + " is " + what + " inside the queue directory: its bytes cannot be counted")
        return result
    result["bytes"] = total_bytes
    result["files"] = total_files
    return result


def service_active(service_name, report):
    try:
        completed = subprocess.run(
            ["systemctl", "is-active", "--", service_name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=SYSTEMCTL_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        report.error(None, "systemctl_unavailable", exc)
        return None
    state = completed.stdout.decode("utf-8", "replace").strip()
    if state in RUNNING_STATES:
        return True
    if state in STOPPED_STATES:
        return False
    detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
    report.error(
        None,
        "service_state_unknown",
        "systemctl is-active exited " + str(completed.returncode) + ": " + (state or (detail[0] if detail else "")),
    )
    return None


def main():
    queue_directories = read_parameter(
        "SSM_queueDirectories", QUEUE_DIRECTORIES_PATTERN, MAX_QUEUE_DIRECTORIES_LENGTH
    )
    service_name = read_parameter("SSM_serviceName", SERVICE_NAME_PATTERN, 64)

    report = Report()
    queues = [measure(path, report) for path in queue_directories.split(",")]
    active = service_active(service_name, report)
    if report.dropped:
        report.errors.append(
            {"path": None, "code": "errors_truncated", "message": str(report.dropped) + " more errors not shown"}
        )
    line = json.dumps(
        {"v": 1, "queues": queues, "serviceActive": active, "errors": report.errors},
        separators=(",", ":"),
        ensure_ascii=True,
    )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


main()
