#!/usr/bin/env bash
# Local Apache Kafka (KRaft, broker+controller in each JVM), no Docker: one node by default, or a
# replicated cluster of LIENTHONG_KAFKA_BROKERS nodes.
#
#   deploy/local/kafka.sh install    fetch the broker classpath with Maven (once)
#   deploy/local/kafka.sh start      configure, format storage (once), start, wait until ready
#   deploy/local/kafka.sh stop       SIGTERM, wait, SIGKILL after LIENTHONG_STOP_TIMEOUT (every node of the folder)
#   deploy/local/kafka.sh status     exit 0 if running, 3 if not, 1 if only some nodes of a cluster run
#   deploy/local/kafka.sh env NAME   print `export LIENTHONG_KAFKA_…` lines to connect as principal NAME
#   deploy/local/kafka.sh bootstrap  print the bootstrap servers (a comma list for a cluster)
#
# Bootstrap: 127.0.0.1:${LIENTHONG_KAFKA_PORT:-19092}, SASL_PLAINTEXT with SCRAM-SHA-512 only.
# Cluster (LIENTHONG_KAFKA_BROKERS=N, 2-9; `make up KAFKA_BROKERS=3`): node n (1..N) listens on
# LIENTHONG_KAFKA_PORT+2(n-1) and its controller on LIENTHONG_KAFKA_CONTROLLER_PORT+2(n-1)
# (19092/19093, 19094/19095, 19096/19097), every node a voter of the controller quorum; its state is
# in <local>/kafka/broker-n. Topics get min(N, 3) replicas and min.insync.replicas 2 (1 below 3
# replicas); a change of N formats the nodes again (their topics are lost). stop, status and env
# find a running cluster without the variable.
# Every client authenticates as a principal (admin, intake, routing, department, notification,
# operator) whose password is generated on the first start into credentials.json (mode 0600),
# and may do only what its ACLs allow (deploy/local/kafka_acls.py, applied at every start with
# the topics of ${LIENTHONG_TOPIC_PREFIX:-} by the super user admin). A broker formatted by an
# older kafka.sh (no SCRAM credentials) is stopped and formatted again: its topics are lost.
# State lives in ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/kafka (libs, data, server.properties,
# credentials.json, kafka.log, kafka.pid; a cluster node's data, config, log and pid in broker-n).
# See _common.sh for all environment variables.
set -euo pipefail

LT_NAME=kafka  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

POM="$LT_SCRIPT_DIR/kafka/pom.xml"
LOG4J2_CONF="$LT_SCRIPT_DIR/kafka/log4j2.properties"
KAFKA_DIR="$LT_LOCAL_DIR/kafka"
LIBS="$KAFKA_DIR/libs"
INSTALL_MARKER="$LIBS/.installed-from-pom.sha256"
CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"
CLUSTER_SIZE_FILE="$KAFKA_DIR/cluster.size"
CREDENTIALS="$KAFKA_DIR/credentials.json"
# What the formatted storage was made for: this scheme and these passwords (and, on a cluster's node, the
# cluster's size). Anything else is formatted again.
SECURITY_SCHEME="sasl-scram-sha-512+acls-v1"
SIZE=1  # nodes of the cluster this command is about (1: the single node); see cluster_size

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

# Points the node variables at node n of a cluster, or at the single node (n = 0), whose files stay
# where kafka.sh always kept them.
use_node() { # n
  NODE="$1"
  if (( NODE == 0 )); then
    NODE_DIR="$KAFKA_DIR"
    NODE_ID=1
    BROKER_PORT="$LT_KAFKA_PORT"
    CONTROLLER_PORT="$LT_KAFKA_CONTROLLER_PORT"
    LT_NAME=kafka
  else
    NODE_DIR="$KAFKA_DIR/broker-$NODE"
    NODE_ID="$NODE"
    BROKER_PORT=$(( LT_KAFKA_PORT + 2 * (NODE - 1) ))
    CONTROLLER_PORT=$(( LT_KAFKA_CONTROLLER_PORT + 2 * (NODE - 1) ))
    LT_NAME="kafka-$NODE"
  fi
  DATA="$NODE_DIR/data"
  CONF="$NODE_DIR/server.properties"
  PID_FILE="$NODE_DIR/kafka.pid"
  LOG_FILE="$NODE_DIR/kafka.log"
  SECURITY_MARKER="$DATA/.lienthong-security"
}
use_node 0

# The nodes of SIZE: 0 (the single node), or 1..SIZE.
nodes() { if (( SIZE == 1 )); then echo 0; else seq 1 "$SIZE"; fi; }

# The cluster nodes that have a folder (started at least once), whatever the current size.
present_nodes() {
  local dir
  for dir in "$KAFKA_DIR"/broker-[0-9]; do
    [[ -d "$dir" ]] && printf '%s\n' "${dir##*-}"
  done
  return 0
}

# How many nodes: LIENTHONG_KAFKA_BROKERS when set; else the size of the cluster last started in the folder
# while one of its nodes runs (so stop, status, env and a plain start find it); else 1, the single node.
cluster_size() {
  if [[ -n "${LIENTHONG_KAFKA_BROKERS:-}" ]]; then
    printf '%s' "$LT_KAFKA_BROKERS"
    return 0
  fi
  local size n
  size="$(cat "$CLUSTER_SIZE_FILE" 2>/dev/null || true)"
  if [[ "$size" =~ ^[2-9]$ ]]; then
    for n in $(seq 1 "$size"); do
      use_node "$n"
      if find_pid >/dev/null; then
        use_node 0
        printf '%s' "$size"
        return 0
      fi
    done
    use_node 0
  fi
  printf 1
}

# One entry per node of SIZE, comma-separated: its broker's address (brokers), or its controller as a
# voter of the quorum (voters).
node_list() { # brokers|voters
  local n list=()
  for n in $(nodes); do
    use_node "$n"
    if [[ "$1" == voters ]]; then list+=("$NODE_ID@127.0.0.1:$CONTROLLER_PORT"); else list+=("127.0.0.1:$BROKER_PORT"); fi
  done
  use_node 0
  (IFS=,; printf '%s' "${list[*]}")
}

bootstrap_servers() { node_list brokers; }

# Replicas of each topic on SIZE nodes, and how many must have a write before it is acknowledged.
replication_factor() { if (( SIZE >= 3 )); then echo 3; else echo "$SIZE"; fi; }
min_insync_replicas() { if (( SIZE >= 3 )); then echo 2; else echo 1; fi; }

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

# Prints the pid of *our* broker (the one started with the current node's server.properties), if any.
find_pid() {
  local pid cmdline
  lt_pid_from_file is_our_broker && return 0
  # Pid file missing or stale: look for a JVM running kafka.Kafka with our exact config path (one grep reads
  # every process's arguments, a NUL-separated line each).
  while IFS= read -r cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    if is_our_broker "$pid" && lt_pid_alive "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
  done < <(grep -lzxF -- "$CONF" /proc/[0-9]*/cmdline 2>/dev/null || true)
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
  LIENTHONG_KAFKA_BOOTSTRAP_SERVERS="$(bootstrap_servers)" LIENTHONG_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT \
    LIENTHONG_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 LIENTHONG_KAFKA_USERNAME=admin \
    LIENTHONG_KAFKA_PASSWORD="$(principals password "$CREDENTIALS" admin)" "$@"
}

# Waits until every node of SIZE is a broker of the cluster: a node joins the brokers only once the
# quorum's active controller registered it, so this also means the quorum has a leader.
wait_ready() { # extra args for wait_ready.py
  local log="$LOG_FILE"
  (( SIZE == 1 )) || log="$KAFKA_DIR/broker-*/kafka.log"
  as_admin lt_python "$LT_SCRIPT_DIR/wait_ready.py" kafka --bootstrap "$(bootstrap_servers)" --brokers "$SIZE" \
    --timeout "$LT_READY_TIMEOUT" --log "$log" "$@"
}

security_stamp() {
  printf '%s %s' "$SECURITY_SCHEME" "$(sha256sum "$CREDENTIALS" | cut -d' ' -f1)"
  (( NODE == 0 )) || printf ' cluster-of-%s' "$SIZE"
  printf '\n'
}

# True when the storage was formatted for another scheme or other passwords (or before there were any),
# or for a cluster of another size.
storage_outdated() {
  [[ -f "$DATA/meta.properties" ]] || return 1
  [[ "$(cat "$SECURITY_MARKER" 2>/dev/null)" != "$(security_stamp)" ]]
}

apply_acls() {
  as_admin lt_python "$LT_SCRIPT_DIR/kafka_acls.py" apply --prefix "${LIENTHONG_TOPIC_PREFIX:-}" --brokers "$SIZE" \
    || lt_die "could not create the topics and ACLs (see the error above)"
}

write_config() {
  mkdir -p "$DATA"
  local admin_password voters replicas min_isr
  admin_password="$(principals password "$CREDENTIALS" admin)"
  voters="$(node_list voters)"
  use_node "$1"
  replicas="$(replication_factor)"
  min_isr="$(min_insync_replicas)"
  (umask 077 && cat >"$CONF.tmp") <<CONFIG
# Generated by deploy/local/kafka.sh at every start; edits are overwritten. Holds the admin password (mode 0600).
process.roles=broker,controller
node.id=$NODE_ID
# Static quorum of every node's controller: the controller endpoints are not written into the
# formatted storage, so LIENTHONG_KAFKA_CONTROLLER_PORT can change between runs.
controller.quorum.voters=$voters
listeners=BROKER://127.0.0.1:$BROKER_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=BROKER://127.0.0.1:$BROKER_PORT
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
default.replication.factor=$replicas
min.insync.replicas=$min_isr
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0

log.retention.hours=168
log.segment.bytes=104857600
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
CONFIG
  mv "$CONF.tmp" "$CONF"
}

java_run() { # main-class args...
  java -Xms64m -Xmx256m -Dlog4j2.configurationFile="$LOG4J2_CONF" -cp "$LIBS/*" "$@"
}

# The cluster id every node's storage is formatted with, made once (before the nodes are formatted side by side).
ensure_cluster_id() {
  [[ -s "$CLUSTER_ID_FILE" ]] && return 0
  local cluster_id
  cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n1 | tr -d '[:space:]')"
  [[ -n "$cluster_id" ]] || lt_die "kafka.tools.StorageTool random-uuid printed nothing (see $LOG_FILE)"
  printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
}

format_storage_once() {
  if storage_outdated; then
    lt_log "the storage in $DATA was formatted for other SCRAM credentials or another cluster size: formatting it again; its topics and messages are lost"
    rm -rf "$DATA"
    mkdir -p "$DATA"
  fi
  if [[ -f "$DATA/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  ensure_cluster_id
  cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
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

# Starts the current node's JVM in the background; its pid in LAUNCHED_PID and the pid file.
launch() {
  local heap="-Xms256m -Xmx512m"
  (( SIZE == 1 )) || heap="-Xms128m -Xmx384m"  # several JVMs on one small machine
  lt_log "starting $(kafka_version) on 127.0.0.1:$BROKER_PORT (controller $CONTROLLER_PORT), log $LOG_FILE"
  printf '\n===== %s start =====\n' "$(date -Is)" >>"$LOG_FILE"
  # setsid: own session, so a Ctrl-C or a kill of the caller's process group leaves it running.
  # 9>&-: the broker must not inherit the start lock, or it would hold it for its whole life and
  # every later start would wait on it forever.
  # shellcheck disable=SC2086  # the heap options are a list of JVM flags
  nohup setsid java ${LIENTHONG_KAFKA_HEAP_OPTS:-$heap} -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dkafka.logs.dir="$NODE_DIR" \
    -Dlog4j2.configurationFile="$LOG4J2_CONF" \
    -cp "$LIBS/*" kafka.Kafka "$CONF" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  LAUNCHED_PID=$!
  printf '%s\n' "$LAUNCHED_PID" >"$PID_FILE"
}

# Waits (15 s at most) until the current node's ports are closed: a killed JVM's listening sockets can
# outlive it for a moment.
wait_ports_closed() {
  local deadline=$(( SECONDS + 15 ))
  while { lt_port_open "$BROKER_PORT" || lt_port_open "$CONTROLLER_PORT"; } && (( SECONDS < deadline )); do
    sleep 0.2
  done
}

refuse_busy_ports() {
  local port
  for port in "$BROKER_PORT" "$CONTROLLER_PORT"; do
    if lt_port_open "$port"; then
      lt_die "port 127.0.0.1:$port is already in use by another process (not our broker); free it or set LIENTHONG_KAFKA_PORT / LIENTHONG_KAFKA_CONTROLLER_PORT"
    fi
  done
}

cmd_start() {
  mkdir -p "$KAFKA_DIR"
  # One start at a time: two would both format (or migrate) the storage and start a broker on it.
  exec 9>"$KAFKA_DIR/.start.lock"
  flock 9
  SIZE="$(cluster_size)"
  refuse_other_layout
  principals ensure "$CREDENTIALS"
  if (( SIZE == 1 )); then
    start_single
  else
    start_cluster
  fi
}

# A single node and a cluster of the folder share their first ports: only one of them may run.
refuse_other_layout() {
  local n
  if (( SIZE == 1 )); then
    for n in $(present_nodes); do
      use_node "$n"
      find_pid >/dev/null && lt_die "node $n of a cluster runs from $KAFKA_DIR: stop it first ($0 stop), or start it with LIENTHONG_KAFKA_BROKERS=$(cat "$CLUSTER_SIZE_FILE" 2>/dev/null || echo N)"
    done
  else
    use_node 0
    find_pid >/dev/null && lt_die "the single-node broker runs from $KAFKA_DIR: stop it first ($0 stop) to start a cluster of $SIZE"
    for n in $(present_nodes); do
      use_node "$n"
      (( n <= SIZE )) || ! find_pid >/dev/null || lt_die "node $n of a larger cluster runs from $KAFKA_DIR: stop it first ($0 stop)"
    done
  fi
  use_node 0
}

start_single() {
  local pid
  use_node 0
  if pid="$(find_pid)" && storage_outdated; then
    lt_log "the running broker (pid $pid) is not secured with these credentials: restarting it secured"
    lt_stop
    wait_ports_closed
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
  refuse_busy_ports
  is_installed || cmd_install
  need_java

  write_config 0
  format_storage_once
  launch
  pid="$LAUNCHED_PID"

  if ! wait_ready --pid "$pid"; then
    echo "----- last lines of $LOG_FILE -----" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    if lt_pid_alive "$pid"; then
      lt_log "stopping the broker that did not become ready"
      lt_stop || true
    else
      rm -f "$PID_FILE"
    fi
    lt_die "broker did not become ready"
  fi
  apply_acls
  lt_log "ready on 127.0.0.1:$LT_KAFKA_PORT (pid $pid)"
}

# Every node's two ports are distinct and valid, whatever the two base ports.
check_cluster_ports() {
  local n port seen=" "
  for n in $(nodes); do
    use_node "$n"
    for port in "$BROKER_PORT" "$CONTROLLER_PORT"; do
      (( port <= 65535 )) || lt_die "node $n would listen on port $port: lower LIENTHONG_KAFKA_PORT / LIENTHONG_KAFKA_CONTROLLER_PORT"
      [[ "$seen" != *" $port "* ]] || lt_die "port $port would serve two nodes: LIENTHONG_KAFKA_CONTROLLER_PORT - LIENTHONG_KAFKA_PORT must be odd or at least $(( 2 * SIZE ))"
      seen+="$port "
    done
  done
  use_node 0
}

# Starts the nodes of the cluster that do not run (all of them, or one that crashed), then waits until
# every one is a broker of the cluster.
start_cluster() {
  local n pid pids=() started=() reused=() formats=()
  check_cluster_ports
  is_installed || cmd_install
  need_java
  printf '%s\n' "$SIZE" >"$CLUSTER_SIZE_FILE"
  ensure_cluster_id
  for n in $(nodes); do
    use_node "$n"
    mkdir -p "$NODE_DIR"
    if pid="$(find_pid)"; then
      if ! storage_outdated; then
        printf '%s\n' "$pid" >"$PID_FILE"
        pids+=("$pid")
        reused+=("$n")
        continue
      fi
      lt_log "the running node (pid $pid) was formatted for other credentials or another cluster size: restarting it"
      lt_terminate "$pid"
      wait_ports_closed
    fi
    rm -f "$PID_FILE"
    refuse_busy_ports
    write_config "$n"
    format_storage_once &  # a JVM each: side by side
    formats+=("$!")
    started+=("$n")
  done
  for pid in "${formats[@]}"; do wait "$pid" || lt_die "formatting a node's storage failed (see above)"; done
  for n in "${started[@]}"; do
    use_node "$n"
    launch
    pids+=("$LAUNCHED_PID")
  done
  use_node 0
  (( ${#reused[@]} == 0 )) || lt_log "nodes ${reused[*]} already running; checking readiness"
  local pid_args=()
  for pid in "${pids[@]}"; do pid_args+=(--pid "$pid"); done
  if ! wait_ready "${pid_args[@]}"; then
    for n in "${started[@]}"; do
      use_node "$n"
      echo "----- last lines of $LOG_FILE -----" >&2
      tail -n 15 "$LOG_FILE" >&2 || true
      if pid="$(find_pid)"; then
        lt_log "stopping the node that did not become ready"
        lt_terminate "$pid"
      fi
      rm -f "$PID_FILE"
    done
    use_node 0
    lt_die "the cluster of $SIZE did not become ready"
  fi
  apply_acls
  lt_log "ready: $SIZE brokers at $(bootstrap_servers) ($(replication_factor) replicas, min.insync.replicas $(min_insync_replicas); started ${started[*]:-none})"
}

cmd_stop() {
  local n pid entry running=()
  for n in $(present_nodes); do
    use_node "$n"
    if pid="$(find_pid)"; then running+=("$n:$pid"); else rm -f "$PID_FILE"; fi
  done
  use_node 0
  if (( ${#running[@]} == 0 )); then
    lt_stop
    return 0
  fi
  # Every node at once: a node stopped after the others would wait for a quorum that is gone.
  for entry in "${running[@]}"; do kill -TERM "${entry#*:}" 2>/dev/null || true; done
  for entry in "${running[@]}"; do
    use_node "${entry%%:*}"
    lt_terminate "${entry#*:}"
    rm -f "$PID_FILE"
  done
  use_node 0
  if find_pid >/dev/null; then lt_stop; fi
}

cmd_status() {
  local pid n up=0
  SIZE="$(cluster_size)"
  if (( SIZE == 1 )); then
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
  fi
  for n in $(nodes); do
    use_node "$n"
    if pid="$(find_pid)"; then
      up=$(( up + 1 ))
      echo "kafka node $n: running (pid $pid, 127.0.0.1:$BROKER_PORT, controller $CONTROLLER_PORT)"
    else
      echo "kafka node $n: not running"
    fi
  done
  echo "kafka: $up of $SIZE nodes running ($(kafka_version))"
  (( up == SIZE )) && return 0
  (( up == 0 )) && return 3
  return 1
}

cmd_env() { # principal
  [[ -f "$CREDENTIALS" ]] || lt_die "no credentials yet: start the broker first"
  principals env "$CREDENTIALS" "$1"
  SIZE="$(cluster_size)"
  (( SIZE == 1 )) || echo "export LIENTHONG_KAFKA_BOOTSTRAP_SERVERS=$(bootstrap_servers)"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env "${2:?principal}" ;;
  bootstrap) SIZE="$(cluster_size)"; bootstrap_servers; echo ;;
  *) echo "usage: $0 {install|start|stop|status|env NAME|bootstrap}" >&2; exit 2 ;;
esac
