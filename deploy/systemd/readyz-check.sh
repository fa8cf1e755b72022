#!/bin/sh
# Takes an instance out of nginx when /readyz fails (open-source nginx only
# notices failures passively): run from a systemd timer or cron every 10 s.
#   readyz-check.sh 8081 8082
for port in "$@"; do
    if curl -fsS --max-time 3 "http://127.0.0.1:$port/readyz" >/dev/null; then
        echo "instance $port ready"
    else
        echo "instance $port NOT ready: restarting it" >&2
        systemctl restart "grassroots@$port"
    fi
done
