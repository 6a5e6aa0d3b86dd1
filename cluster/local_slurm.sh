#!/usr/bin/env bash
# A real single-node SLURM cluster on localhost (with slurmdbd + MariaDB accounting), for testing the
# workflow's cluster path. Usage: cluster/local_slurm.sh install|start|stop|status
# Needs root and Debian's packages (install). Daemons start directly (no systemd), and `stop` ends
# exactly the processes `start` recorded, by PID. State lives in $MYOILD_SLURM_STATE.
set -euo pipefail

STATE=${MYOILD_SLURM_STATE:-/tmp/myoild-slurm}
PIDS="$STATE/pids"
NODE=$(hostname -s)

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null \
        && command -v munged >/dev/null; then
        return 0
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm slurmdbd munge mariadb-server >/dev/null
}

start_daemon() { # name, command...: start in the background, record the PID
    local name=$1
    shift
    setsid "$@" >"$STATE/$name.out" 2>&1 &
    echo "$name $!" >>"$PIDS"
}

wait_for() { # description, seconds, command...
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq "$seconds"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "local_slurm: $what did not come up in ${seconds}s; logs in $STATE" >&2
    return 1
}

write_configs() {
    local cpus memory
    cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')
    memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mkdir -p "$STATE"/{ctld,spool,mysql-run}
    cat >"$STATE/slurm.conf" <<CONF
ClusterName=myoild
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
EnforcePartLimits=ALL
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    cat >"$STATE/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=$NODE
DbdAddr=127.0.0.1
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageUser=slurm
StoragePass=myoild
StorageLoc=slurm_acct_db
LogFile=$STATE/slurmdbd.log
PidFile=$STATE/slurmdbd.pid
CONF
    chmod 600 "$STATE/slurmdbd.conf"
    # The executor plugin's job steps drop SLURM_* variables (SLURM_CONF included): the config must
    # sit where the tools look by default.
    mkdir -p /etc/slurm
    ln -sf "$STATE/slurm.conf" /etc/slurm/slurm.conf
    ln -sf "$STATE/slurmdbd.conf" /etc/slurm/slurmdbd.conf
}

start() {
    if [ -s "$PIDS" ]; then
        echo "local_slurm: already started (see $PIDS); run stop first" >&2
        exit 1
    fi
    install_packages
    rm -rf "$STATE"
    mkdir -p "$STATE"
    write_configs

    mkdir -p /run/munge && chown munge:munge /run/munge
    start_daemon munged runuser -u munge -- munged --foreground
    wait_for munge 20 munge -n

    mariadb-install-db --user=mysql --datadir="$STATE/mysql" --auth-root-authentication-method=socket \
        >"$STATE/mariadb-install.out" 2>&1
    chown -R mysql:mysql "$STATE/mysql" "$STATE/mysql-run"
    start_daemon mariadbd mariadbd --user=mysql --datadir="$STATE/mysql" --port=3307 \
        --bind-address=127.0.0.1 --innodb-buffer-pool-size=512M --innodb-lock-wait-timeout=900 --socket="$STATE/mysql-run/mysqld.sock" \
        --pid-file="$STATE/mysql-run/mariadbd.pid" --skip-log-error
    wait_for MariaDB 60 mariadb --socket="$STATE/mysql-run/mysqld.sock" -e "select 1"
    mariadb --socket="$STATE/mysql-run/mysqld.sock" <<SQL
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'myoild';
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'myoild';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL

    start_daemon slurmdbd slurmdbd -D
    wait_for slurmdbd 60 sacctmgr -i show cluster
    sacctmgr -i add cluster myoild >/dev/null 2>&1 || true
    start_daemon slurmctld slurmctld -D -i
    wait_for slurmctld 60 scontrol ping
    start_daemon slurmd slurmd -D
    wait_for "node $NODE" 60 bash -c "sinfo -h -N -o '%T' | grep -Eq '^(idle|mixed|allocated)'"
    echo "local_slurm: up (state in $STATE)"
}

stop() {
    [ -f "$PIDS" ] || return 0
    # Stop in reverse order of start, each by the PID start recorded.
    tac "$PIDS" | while read -r name pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        echo "local_slurm: stopped $name ($pid)"
    done
    rm -f "$PIDS"
}

case "${1:-}" in
install) install_packages ;;
start) start ;;
stop) stop ;;
status) sinfo && squeue ;;
*)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
