#!/usr/bin/env bash
# The findings of issue 8, reproduced as a user would with the CLI and curl against the real
# server: each line prints PASS or FAIL, and the script fails if any did. Usage: BUILD_DIR.
# (It failed 7 of 7 on the commit before the fix; see docs/architecture.md.)
set -u
BIN=$1; FAILED=0; S=$BIN/server/craftsync-server; C=$BIN/app/craftsync; K=adminadminadmin1
start() { D=$(mktemp -d); chmod 755 $D; $S --db $D/s.db --listen 127.0.0.1:0 --api-key $K --quiet > $D/out 2>/dev/null & SP=$!; for i in $(seq 100); do grep -q listening $D/out && break; sleep 0.05; done; URL=$(sed -n 's/listening on //p' $D/out); }
stop() { kill $SP; wait $SP 2>/dev/null; rm -rf "$D"; }
cli() { local db=$1; shift; $C --db $D/$db --remote $URL --api-key $K "$@"; }
srv() { curl -s -H "Authorization: Bearer $K" $URL/api/v1/$1; }
verdict() { if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2"; FAILED=1; fi; }

# 1. restore from backup
start; cli a.db sync >/dev/null; cp $D/a.db $D/backup.db
A=$(cli a.db --json create customers name=A | jq -r .id); cli a.db sync >/dev/null
cp $D/backup.db $D/a.db; rm -f $D/a.db-wal $D/a.db-shm
B=$(cli a.db --json create customers name=B | jq -r .id); cli a.db sync >/dev/null
[ "$(srv customers/$B | jq -r .name)" = B ]; verdict $? "1: a write after restoring a backup reaches the server"; stop

# 2. clone
start; X=$(cli a.db --json create customers name=X | jq -r .id); cli a.db sync >/dev/null; cp $D/a.db $D/b.db
P=$(cli a.db --json create customers name=OnA | jq -r .id); Q=$(cli b.db --json create customers name=OnB | jq -r .id)
cli a.db sync >/dev/null; cli b.db sync >/dev/null
[ "$(srv customers/$P | jq -r .name)" = OnA ] && [ "$(srv customers/$Q | jq -r .name)" = OnB ]; verdict $? "2: both copies of a cloned database keep their writes"; stop

# 3. updated_at after a remote win
start; X=$(cli a.db --json create customers name=T | jq -r .id); cli a.db sync >/dev/null; cli b.db sync >/dev/null
cli a.db update customers $X phone=from-A >/dev/null; cli a.db sync >/dev/null
cli b.db update customers $X phone=from-B >/dev/null; cli b.db sync --policy remote >/dev/null
[ "$(cli b.db --json get customers $X | jq -c 'del(._sync)')" = "$(srv customers/$X | jq -c 'del(.rev)')" ]; verdict $? "3: after a remote win the row equals the server's, updated_at included"; stop

# 4. refused delete
start; X=$(cli a.db --json create customers name=Kept | jq -r .id); cli a.db sync >/dev/null; cli b.db sync >/dev/null
cli b.db delete customers $X >/dev/null; cli a.db create quotes customer_id=$X total_amount=1.00 status=draft >/dev/null; cli a.db sync >/dev/null
cli b.db sync >/dev/null
cli b.db --json get customers $X >/dev/null 2>&1 && [ -z "$(sqlite3 $D/b.db 'PRAGMA foreign_key_check')" ] && [ "$(cli b.db --json list customers --state rejected | jq length)" = 1 ]
verdict $? "4: a refused delete comes back, shows as rejected, no dangling quote"; stop

# 5. child of a deleted parent
start; X=$(cli a.db --json create customers name=Doomed | jq -r .id); cli a.db sync >/dev/null; cli b.db sync >/dev/null
QQ=$(cli a.db --json create quotes customer_id=$X total_amount=1.00 status=draft | jq -r .id)
cli b.db delete customers $X >/dev/null; cli b.db sync >/dev/null; cli a.db sync >/dev/null; cli a.db sync >/dev/null
[ "$(cli a.db --json list quotes | jq length)" = "$(srv quotes | jq '.records|length')" ] && [ "$(cli a.db --json status | jq .rejected)" = 0 ]
verdict $? "5: a quote for a customer deleted elsewhere is settled, not left rejected on one client"; stop

# 6. resolve delete-vs-edit with a local child
start; X=$(cli a.db --json create customers name=E | jq -r .id); cli a.db sync >/dev/null; cli b.db sync >/dev/null
cli b.db update customers $X phone=1 >/dev/null; cli b.db create quotes customer_id=$X total_amount=1.00 status=draft >/dev/null
cli a.db delete customers $X >/dev/null; cli a.db sync >/dev/null; cli b.db sync --policy manual >/dev/null
ID=$(cli b.db --json conflicts list | jq -r '.[0].id'); cli b.db conflicts resolve $ID --keep remote >/dev/null 2>&1
verdict $? "6: conflicts resolve --keep remote works for delete-vs-edit with a local quote"; stop

# 7. exit code and JSON on a read-only database
start; cli a.db create customers name=R >/dev/null; chmod 444 $D/a.db
as_reader=(); [ "$(id -u)" = 0 ] && as_reader=(setpriv --reuid=65534 --regid=65534 --clear-groups)
OUT=$("${as_reader[@]}" $C --db $D/a.db --remote $URL --api-key $K --json sync 2>/dev/null); CODE=$?
[ $CODE = 2 ] && echo "$OUT" | jq -e 'type=="object"' >/dev/null; verdict $? "7: sync on a read-only database exits 2 with one JSON object (got $CODE)"; stop
exit $FAILED
