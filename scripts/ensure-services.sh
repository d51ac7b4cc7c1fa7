#!/usr/bin/env bash
# Makes sure MariaDB (127.0.0.1:3306) and Redis (127.0.0.1:6379) answer, starting the local
# services if they are installed but stopped. Fails loudly if either cannot be reached.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name port
  for _ in $(seq 1 60); do up "$2" && return 0; sleep 0.5; done
  return 1
}

if ! up 3306; then
  echo "MariaDB is not answering on 127.0.0.1:3306; starting it"
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 \
      || (service mariadb start >/dev/null 2>&1) || true
  fi
  wait_for MariaDB 3306 || { echo "ERROR: MariaDB cannot be reached on 127.0.0.1:3306" >&2; exit 1; }
fi

if ! up 6379; then
  echo "Redis is not answering on 127.0.0.1:6379; starting it"
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 || true
  fi
  wait_for Redis 6379 || { echo "ERROR: Redis cannot be reached on 127.0.0.1:6379" >&2; exit 1; }
fi
echo "services up: MariaDB 127.0.0.1:3306, Redis 127.0.0.1:6379"
