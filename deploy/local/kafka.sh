#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller in one JVM), no Docker.
#
#   deploy/local/kafka.sh install   fetch the broker classpath with Maven (once)
#   deploy/local/kafka.sh start     configure, format storage (once), start, wait until ready
#   deploy/local/kafka.sh stop      SIGTERM, wait, SIGKILL after LIENTHONG_STOP_TIMEOUT
#   deploy/local/kafka.sh status    exit 0 if running, 3 if not
#   deploy/local/kafka.sh env NAME  print `export LIENTHONG_KAFKA_…` lines to connect as principal NAME
#
# Bootstrap: 127.0.0.1:${LIENTHONG_KAFKA_PORT:-19092}, SASL_PLAINTEXT with SCRAM-SHA-512 only.
# Every client authenticates as a principal (admin, intake, routing, department, notification,
# operator) whose password is generated on the first start into credentials.json (mode 0600),
# and may do only what its ACLs allow (deploy/local/kafka_acls.py, applied at every start with
# the topics of ${LIENTHONG_TOPIC_PREFIX:-} by the super user admin). A broker formatted by an
# older kafka.sh (no SCRAM credentials) is stopped and formatted again: its topics are lost.
# State lives in ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/kafka (libs, data, server.properties,
# credentials.json, kafka.log, kafka.pid). See _common.sh for all environment variables.
set -euo pipefail

LT_NAME=kafka  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

POM="$LT_SCRIPT_DIR/kafka/pom.xml"
LOG4J2_CONF="$LT_SCRIPT_DIR/kafka/log4j2.properties"
KAFKA_DIR="$LT_LOCAL_DIR/kafka"
LIBS="$KAFKA_DIR/libs"
INSTALL_MARKER="$LIBS/.installed-from-pom.sha256"
DATA="$KAFKA_DIR/data"
CONF="$KAFKA_DIR/server.properties"
CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"
PID_FILE="$KAFKA_DIR/kafka.pid"
LOG_FILE="$KAFKA_DIR/kafka.log"
CREDENTIALS="$KAFKA_DIR/credentials.json"
# What the formatted storage was made for: this scheme and these passwords. Anything else is formatted again.
SECURITY_MARKER="$DATA/.lienthong-security"
SECURITY_SCHEME="sasl-scram-sha-512+acls-v1"
JAVA_HEAP_OPTS="${LIENTHONG_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

need_java() {
  command -v java >/dev/null 2>&1 || lt_die "java not found on PATH (Kafka 4.x needs Java 17+; on Debian: apt-get install -y openjdk-17-jre-headless)"
}

is_installed() {
  [[ -f "$INSTALL_MARKER" && "$(cat "$INSTALL_MARKER")" == "$(pom_sum)" ]] \
    && compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null
}

cmd_install() {
  if is_installed; then
    lt_log "already installed ($(kafka_version)) in $LIBS"
    return 0
  fi
  need_java
  lt_log "fetching the Kafka classpath with Maven into $LIBS ..."
  lt_maven_fetch "$POM" "$LIBS" 'kafka_2.13-*.jar'
  lt_log "installed $(kafka_version) ($(find "$LIBS" -name '*.jar' | wc -l) jars)"
}

kafka_version() {
  local jar
  jar="$(compgen -G "$LIBS/kafka_2.13-*.jar" | head -n1 || true)"
  jar="${jar##*/kafka_2.13-}"
  printf 'Kafka %s' "${jar%.jar}"
}

# Prints the pid of *our* broker (the one started with our server.properties), if any.
find_pid() {
  local pid cmdline
  lt_pid_from_file is_our_broker && return 0
  # Pid file missing or stale: look for a JVM running kafka.Kafka with our exact config path.
  for cmdline in /proc/[0-9]*/cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    if is_our_broker "$pid" && lt_pid_alive "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
  done 2>/dev/null
  return 1
}

is_our_broker() {
  local args
  args="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null || true)"
  grep -qxF 'kafka.Kafka' <<<"$args" && grep -qxF "$CONF" <<<"$args"
}

principals() { # command args... (deploy/local/kafka_principals.py)
  lt_python "$LT_SCRIPT_DIR/kafka_principals.py" "$@"
}

# Runs a command as the super user admin, the password passed in its environment only.
as_admin() {
  LIENTHONG_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$LT_KAFKA_PORT" LIENTHONG_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT \
    LIENTHONG_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 LIENTHONG_KAFKA_USERNAME=admin \
    LIENTHONG_KAFKA_PASSWORD="$(principals password "$CREDENTIALS" admin)" "$@"
}

wait_ready() { # extra args for wait_ready.py
  as_admin lt_python "$LT_SCRIPT_DIR/wait_ready.py" kafka \
    --bootstrap "127.0.0.1:$LT_KAFKA_PORT" --timeout "$LT_READY_TIMEOUT" --log "$LOG_FILE" "$@"
}

security_stamp() {
  printf '%s %s\n' "$SECURITY_SCHEME" "$(sha256sum "$CREDENTIALS" | cut -d' ' -f1)"
}

# True when the storage was formatted for another scheme or other passwords (or before there were any).
storage_outdated() {
  [[ -f "$DATA/meta.properties" ]] || return 1
  [[ "$(cat "$SECURITY_MARKER" 2>/dev/null)" != "$(security_stamp)" ]]
}

apply_acls() {
  as_admin lt_python "$LT_SCRIPT_DIR/kafka_acls.py" apply --prefix "${LIENTHONG_TOPIC_PREFIX:-}" \
    || lt_die "could not create the topics and ACLs (see the error above)"
}

write_config() {
  mkdir -p "$DATA"
  local admin_password
  admin_password="$(principals password "$CREDENTIALS" admin)"
  (umask 077 && cat >"$CONF.tmp") <<EOF
# Generated by deploy/local/kafka.sh at every start; edits are overwritten. Holds the admin password (mode 0600).
process.roles=broker,controller
node.id=1
# Static single-voter quorum: the controller endpoint is not written into the
# formatted storage, so LIENTHONG_KAFKA_CONTROLLER_PORT can change between runs.
controller.quorum.voters=1@127.0.0.1:$LT_KAFKA_CONTROLLER_PORT
listeners=BROKER://127.0.0.1:$LT_KAFKA_PORT,CONTROLLER://127.0.0.1:$LT_KAFKA_CONTROLLER_PORT
advertised.listeners=BROKER://127.0.0.1:$LT_KAFKA_PORT
listener.security.protocol.map=BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=BROKER
log.dirs=$DATA

# Clients authenticate with SCRAM (credentials written into the storage at format time); the
# controller listener with PLAIN, since KRaft controllers cannot use SCRAM. Both as admin.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_password" user_admin="$admin_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false

num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

log.retention.hours=168
log.segment.bytes=104857600
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
  mv "$CONF.tmp" "$CONF"
}

java_run() { # main-class args...
  java -Xms64m -Xmx256m -Dlog4j2.configurationFile="$LOG4J2_CONF" -cp "$LIBS/*" "$@"
}

format_storage_once() {
  if storage_outdated; then
    lt_log "the storage in $DATA was formatted without these SCRAM credentials (an older kafka.sh): formatting it again; its topics and messages are lost"
    rm -rf "$DATA"
    mkdir -p "$DATA"
  fi
  if [[ -f "$DATA/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n1 | tr -d '[:space:]')"
    [[ -n "$cluster_id" ]] || lt_die "kafka.tools.StorageTool random-uuid printed nothing (see $LOG_FILE)"
    printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  lt_log "formatting storage in $DATA (cluster id $cluster_id)"
  local scram=() line
  while IFS= read -r line; do scram+=(--add-scram "$line"); done < <(principals scram "$CREDENTIALS")
  if ! java_run kafka.tools.StorageTool format --ignore-formatted \
        --cluster-id "$cluster_id" --config "$CONF" "${scram[@]}" >>"$LOG_FILE" 2>&1; then
    tail -n 20 "$LOG_FILE" >&2 || true
    lt_die "storage format failed (see $LOG_FILE)"
  fi
  security_stamp >"$SECURITY_MARKER"
}

cmd_start() {
  local pid
  mkdir -p "$KAFKA_DIR"
  # One start at a time: two would both format (or migrate) the storage and start a broker on it.
  exec 9>"$KAFKA_DIR/.start.lock"
  flock 9
  principals ensure "$CREDENTIALS"
  if pid="$(find_pid)" && storage_outdated; then
    lt_log "the running broker (pid $pid) is not secured with these credentials: restarting it secured"
    cmd_stop
    local deadline=$(( SECONDS + 15 ))  # a killed JVM's listening sockets can outlive it for a moment
    while { lt_port_open "$LT_KAFKA_PORT" || lt_port_open "$LT_KAFKA_CONTROLLER_PORT"; } && (( SECONDS < deadline )); do
      sleep 0.2
    done
  elif [[ -n "${pid:-}" ]]; then
    printf '%s\n' "$pid" >"$PID_FILE"
    lt_log "already running (pid $pid); checking readiness"
    wait_ready --pid "$pid" --quiet || lt_die "broker pid $pid is running but not answering on 127.0.0.1:$LT_KAFKA_PORT (see $LOG_FILE; stop it with: $0 stop)"
    apply_acls >/dev/null
    lt_log "ready on 127.0.0.1:$LT_KAFKA_PORT (reused running broker, pid $pid)"
    return 0
  fi
  rm -f "$PID_FILE"
  [[ "$LT_KAFKA_PORT" != "$LT_KAFKA_CONTROLLER_PORT" ]] || lt_die "LIENTHONG_KAFKA_PORT and LIENTHONG_KAFKA_CONTROLLER_PORT must differ"
  local port
  for port in "$LT_KAFKA_PORT" "$LT_KAFKA_CONTROLLER_PORT"; do
    if lt_port_open "$port"; then
      lt_die "port 127.0.0.1:$port is already in use by another process (not our broker); free it or set LIENTHONG_KAFKA_PORT / LIENTHONG_KAFKA_CONTROLLER_PORT"
    fi
  done
  is_installed || cmd_install
  need_java

  mkdir -p "$KAFKA_DIR"
  write_config
  format_storage_once

  lt_log "starting $(kafka_version) on 127.0.0.1:$LT_KAFKA_PORT (controller $LT_KAFKA_CONTROLLER_PORT), log $LOG_FILE"
  printf '\n===== %s start =====\n' "$(date -Is)" >>"$LOG_FILE"
  # setsid: own session, so a Ctrl-C or a kill of the caller's process group leaves it running.
  # 9>&-: the broker must not inherit the start lock, or it would hold it for its whole life and
  # every later start would wait on it forever.
  # shellcheck disable=SC2086  # JAVA_HEAP_OPTS is a list of JVM flags
  nohup setsid java $JAVA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_DIR" \
    -Dlog4j2.configurationFile="$LOG4J2_CONF" \
    -cp "$LIBS/*" kafka.Kafka "$CONF" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"

  if ! wait_ready --pid "$pid"; then
    echo "----- last lines of $LOG_FILE -----" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    if lt_pid_alive "$pid"; then
      lt_log "stopping the broker that did not become ready"
      cmd_stop || true
    else
      rm -f "$PID_FILE"
    fi
    lt_die "broker did not become ready"
  fi
  apply_acls
  lt_log "ready on 127.0.0.1:$LT_KAFKA_PORT (pid $pid)"
}

cmd_stop() { lt_stop; }

cmd_status() {
  local pid
  if pid="$(find_pid)"; then
    if lt_port_open "$LT_KAFKA_PORT"; then
      echo "kafka: running (pid $pid, 127.0.0.1:$LT_KAFKA_PORT, $(kafka_version))"
    else
      echo "kafka: running (pid $pid) but 127.0.0.1:$LT_KAFKA_PORT is not accepting connections yet"
    fi
    return 0
  fi
  echo "kafka: not running"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) [[ -f "$CREDENTIALS" ]] || lt_die "no credentials yet: start the broker first"; principals env "$CREDENTIALS" "${2:?principal}" ;;
  *) echo "usage: $0 {install|start|stop|status|env NAME}" >&2; exit 2 ;;
esac
