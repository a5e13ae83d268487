// The worker's boot script (EC2 user data): installs the pinned Cribl release after checking its SHA-256, mounts the
// dedicated queue volume, and joins the leader with a token read from SSM at every boot. Holds no secret.
//
// Safety of the rendering: every configured value is validated by a pattern at synth and then single-quoted here
// (shellQuote), so no value can end a quote or start a command; the values are assigned to readonly variables once, at
// the top, and the rest of the script is static text that only expands those variables inside double quotes.
//
// Idempotence: cloud-init runs user data once per instance, but the script is safe to run again (a reboot with a
// per-boot cloud-init configuration, an operator re-running it): the user is created only if missing, the queue
// volume is formatted only if it carries no filesystem, the tarball is installed only when the version marker
// differs, and units are rewritten with the same content. The token is read by cribl-join.service on every boot,
// so a rotated token takes effect at the next restart; it is written only to a root-only environment file (0600).

export interface UserDataProps {
  criblVersion: string;
  criblSha256: string;
  criblDownloadUrl: string;
  leaderHost: string;
  leaderPort: number;
  leaderTls: boolean;
  workerGroup: string;
  /** NAME of the SSM SecureString holding the leader token. */
  leaderAuthTokenParameter: string;
  region: string;
  /** systemd unit name of Cribl. */
  serviceName: string;
  /** Dedicated queue volume: its device name in the launch template and where to mount it. */
  queueVolume?: { deviceName: string; mountPath: string };
}

export const CRIBL_HOME = "/opt/cribl";
export const QUEUE_FILESYSTEM_LABEL = "cribl-pq";
export const BOOTSTRAP_STATE_DIR = "/var/lib/cribl-bootstrap";

/** POSIX single-quoting: the value is taken literally by the shell, whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** Renders the boot script; the output is deterministic for the same props. */
export function renderUserData(p: UserDataProps): string {
  const assign = (name: string, value: string) => `readonly ${name}=${shellQuote(value)}`;
  const header = [
    "#!/bin/bash",
    "# Cribl Stream worker bootstrap, rendered at synth. Holds no secret: the leader token is read from SSM at boot.",
    "set -euo pipefail",
    "umask 022",
    assign("CRIBL_VERSION", p.criblVersion),
    assign("CRIBL_SHA256", p.criblSha256),
    assign("CRIBL_URL", p.criblDownloadUrl),
    assign("CRIBL_HOME", CRIBL_HOME),
    assign("CRIBL_SERVICE", p.serviceName),
    assign("LEADER_HOST", p.leaderHost),
    assign("LEADER_PORT", String(p.leaderPort)),
    assign("LEADER_TLS", p.leaderTls ? "true" : "false"),
    assign("WORKER_GROUP", p.workerGroup),
    assign("TOKEN_PARAMETER", p.leaderAuthTokenParameter),
    assign("AWS_REGION_NAME", p.region),
    assign("QUEUE_DEVICE", p.queueVolume?.deviceName ?? ""),
    assign("QUEUE_MOUNT", p.queueVolume?.mountPath ?? ""),
    assign("QUEUE_LABEL", QUEUE_FILESYSTEM_LABEL),
    assign("STATE_DIR", BOOTSTRAP_STATE_DIR),
  ];
  return `${[...header, ...STATIC_BODY].join("\n")}\n`;
}

// Static from here on: no configured value is spliced into this text. (Kept as lines so biome's template-string rule
// does not fire on the many shell `${...}` expansions.)
const STATIC_BODY: string[] = [
  "",
  'log() { echo "cribl-bootstrap: $*" >&2; }',
  'install -d -m 0755 -o root -g root "$STATE_DIR" /etc/cribl-bootstrap',
  "",
  "# 1. The unprivileged user Cribl runs as.",
  "if ! id -u cribl >/dev/null 2>&1; then",
  '  useradd --system --home-dir "$CRIBL_HOME" --no-create-home --shell /sbin/nologin cribl',
  "fi",
  "",
  "# 2. The dedicated queue volume: formatted only when it holds no filesystem, mounted by label (stable across",
  "#    reboots and NVMe renumbering); the device name is the launch template's, linked to the NVMe device by udev.",
  'if [ -n "$QUEUE_DEVICE" ]; then',
  "  for _ in $(seq 1 90); do",
  '    [ -e "$QUEUE_DEVICE" ] && break',
  "    sleep 2",
  "  done",
  '  if [ ! -e "$QUEUE_DEVICE" ]; then log "queue volume $QUEUE_DEVICE did not appear"; exit 1; fi',
  '  device="$(readlink -f "$QUEUE_DEVICE")"',
  '  if [ -z "$(blkid -o value -s TYPE "$device" || true)" ]; then',
  '    log "formatting $device (no filesystem found)"',
  '    mkfs.xfs -q -L "$QUEUE_LABEL" "$device"',
  "  fi",
  '  install -d -m 0750 "$QUEUE_MOUNT"',
  '  if ! grep -q "^LABEL=$QUEUE_LABEL " /etc/fstab; then',
  '    printf "LABEL=%s %s xfs defaults,noatime,nofail 0 2\\n" "$QUEUE_LABEL" "$QUEUE_MOUNT" >>/etc/fstab',
  "  fi",
  '  mountpoint -q "$QUEUE_MOUNT" || mount "$QUEUE_MOUNT"',
  '  chown cribl:cribl "$QUEUE_MOUNT"',
  "fi",
  "",
  "# 3. The pinned release, installed only when the marker names another version; the checksum is verified before",
  "#    anything is extracted.",
  'installed="$(cat "$STATE_DIR/version" 2>/dev/null || true)"',
  'if [ "$installed" != "$CRIBL_VERSION" ]; then',
  '  work="$(mktemp -d)"',
  "  trap 'rm -rf \"$work\"' EXIT",
  '  log "downloading Cribl $CRIBL_VERSION"',
  '  curl --fail --silent --show-error --location --proto "=https" --tlsv1.2 --retry 5 --retry-delay 5 \\',
  '    --output "$work/cribl.tgz" "$CRIBL_URL"',
  '  if ! printf "%s  %s\\n" "$CRIBL_SHA256" "$work/cribl.tgz" | sha256sum --check --strict --quiet; then',
  '    log "checksum mismatch for $CRIBL_URL: refusing to install"',
  "    exit 1",
  "  fi",
  '  if systemctl is-active --quiet "$CRIBL_SERVICE"; then systemctl stop "$CRIBL_SERVICE"; fi',
  '  install -d -m 0755 "$CRIBL_HOME"',
  '  tar -xzf "$work/cribl.tgz" -C "$CRIBL_HOME" --strip-components=1 --no-same-owner',
  '  chown -R cribl:cribl "$CRIBL_HOME"',
  '  printf "%s\\n" "$CRIBL_VERSION" >"$STATE_DIR/version"',
  "fi",
  "",
  "# 4. Join settings (no secret) for cribl-join, which reads the token from SSM on every boot.",
  "{",
  ...[
    "CRIBL_HOME",
    "LEADER_HOST",
    "LEADER_PORT",
    "LEADER_TLS",
    "WORKER_GROUP",
    "TOKEN_PARAMETER",
    "AWS_REGION_NAME",
  ].map((name) => `  printf '${name}=%q\\n' "$${name}"`),
  "} >/etc/cribl-bootstrap/join.env",
  "chmod 0644 /etc/cribl-bootstrap/join.env",
  "",
  "cat >/usr/local/sbin/cribl-join <<'JOIN'",
  "#!/bin/bash",
  "# Reads the leader token from SSM and writes Cribl's leader URL to a root-only environment file (0600) that",
  "# systemd hands to Cribl. The token never appears on a command line (world-readable in /proc/<pid>/cmdline):",
  "# printf is a shell builtin and the URL encoding reads the token from stdin.",
  "set -euo pipefail",
  "# shellcheck source=/dev/null",
  ". /etc/cribl-bootstrap/join.env",
  "umask 077",
  'token="$(aws ssm get-parameter --region "$AWS_REGION_NAME" --name "$TOKEN_PARAMETER" --with-decryption \\',
  '  --query Parameter.Value --output text)"',
  'if [ -z "$token" ] || [ "$token" = "criblmaster" ]; then',
  '  echo "cribl-join: refusing an empty or default leader token from $TOKEN_PARAMETER" >&2',
  "  exit 1",
  "fi",
  'encoded="$(printf \'%s\' "$token" | python3 -c \'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))\')"',
  "scheme=tcp",
  'if [ "$LEADER_TLS" = "true" ]; then scheme=tls; fi',
  "{",
  "  printf 'CRIBL_DIST_MODE=worker\\n'",
  '  printf \'CRIBL_DIST_LEADER_URL=%s://%s@%s:%s?group=%s\\n\' "$scheme" "$encoded" "$LEADER_HOST" "$LEADER_PORT" "$WORKER_GROUP"',
  "} >/etc/cribl-bootstrap/leader.env.new",
  "chmod 0600 /etc/cribl-bootstrap/leader.env.new",
  "mv -f /etc/cribl-bootstrap/leader.env.new /etc/cribl-bootstrap/leader.env",
  "unset token encoded",
  "JOIN",
  "chmod 0700 /usr/local/sbin/cribl-join",
  "",
  "# 5. systemd: cribl-join runs before Cribl on every boot; Cribl's own unit comes from `cribl boot-start`.",
  "cat >/etc/systemd/system/cribl-join.service <<EOF",
  "[Unit]",
  "Description=Join the Cribl leader (token from SSM)",
  "Wants=network-online.target",
  "After=network-online.target",
  "Before=$CRIBL_SERVICE.service",
  "",
  "[Service]",
  "Type=oneshot",
  "RemainAfterExit=yes",
  "ExecStart=/usr/local/sbin/cribl-join",
  "Restart=on-failure",
  "RestartSec=15",
  "",
  "[Install]",
  "WantedBy=multi-user.target",
  "EOF",
  'if [ ! -e "/etc/systemd/system/$CRIBL_SERVICE.service" ]; then',
  '  "$CRIBL_HOME/bin/cribl" boot-start enable -m systemd -u cribl',
  "fi",
  'mkdir -p "/etc/systemd/system/$CRIBL_SERVICE.service.d"',
  'cat >"/etc/systemd/system/$CRIBL_SERVICE.service.d/10-join.conf" <<EOF',
  "[Unit]",
  "Requires=cribl-join.service",
  "After=cribl-join.service",
  "[Service]",
  "EnvironmentFile=/etc/cribl-bootstrap/leader.env",
  "EOF",
  "systemctl daemon-reload",
  'systemctl enable cribl-join.service "$CRIBL_SERVICE.service"',
  "systemctl restart cribl-join.service",
  'systemctl restart "$CRIBL_SERVICE.service"',
  'log "Cribl $CRIBL_VERSION joined $LEADER_HOST:$LEADER_PORT (group $WORKER_GROUP)"',
];
