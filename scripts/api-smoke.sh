#!/usr/bin/env bash
# Exercise every REST operation of issue 2 with curl against a running server.
set -u
# Usage: TOKEN=cnc_... scripts/api-smoke.sh   (against a server with demo data; writes data)
RUN=$(date +%s)  # unique names, so the script can run again on the same data
C=${CONCORD:-http://127.0.0.1:8000/api/v1}; T=${TOKEN:?set TOKEN to an admin API token (concord token --username admin)}
H=(-H "Authorization: Bearer $T" -H "Content-Type: application/json")
n=0; bad=0
call() { # expected-status method path [json]
  local want=$1 m=$2 p=$3 d=${4:-}
  if [ -n "$d" ]; then out=$(curl -s -o /tmp/cc.json -w "%{http_code}" -X "$m" "${H[@]}" "$C$p" -d "$d")
  else out=$(curl -s -o /tmp/cc.json -w "%{http_code}" -X "$m" "${H[@]}" "$C$p"); fi
  n=$((n+1)); if [ "$out" != "$want" ]; then bad=$((bad+1)); echo "FAIL $m $p -> $out (want $want): $(head -c 300 /tmp/cc.json)"; else echo "ok  $out $m $p"; fi
}
call 200 GET /me
call 200 GET "/conversations?status=open,pending&limit=5"
call 200 GET "/conversations?assignee=none&channel=email&limit=5"
call 201 POST /conversations '{"channel":"phone","subject":"Card declined","body":"Customer called: card declined twice.","identity":{"kind":"phone","value":"+49 170 1234567","name":"Jo Park"},"priority":"high","tags":["payments"]}'
CID=$(jq -r .id /tmp/cc.json)
call 201 POST /conversations '{"channel":"email","subject":"Dup","body":"same problem","identity":{"kind":"phone","value":"+49 170 1234567"}}'
DUP=$(jq -r .id /tmp/cc.json)
call 200 GET /conversations/$CID
call 201 POST /conversations/$CID/reply '{"body":"Could you send the order number?","status":"pending"}'
call 201 POST /conversations/$CID/notes '{"body_html":"<p>Checked with <b>billing</b></p>"}'
TEAM=$(curl -s "${H[@]}" $C/teams | jq -r '.items // . | .[0].id')
USER=$(curl -s "${H[@]}" $C/teams/$TEAM | jq -r '.members[0].id')
call 200 POST /conversations/$CID/assign "{\"team_id\":$TEAM,\"assignee_id\":$USER}"
call 200 POST /conversations/$CID/priority '{"priority":"urgent"}'
call 200 POST /conversations/$CID/tags '{"tags":["refund","VIP customer"]}'
call 200 DELETE /conversations/$CID/tags '{"tags":["refund"]}'
call 200 POST /conversations/$CID/tags/remove '{"tags":["vip-customer"]}'
call 200 POST /conversations/$DUP/merge "{\"target_id\":$CID}"
call 422 POST /conversations/$CID/merge "{\"target_id\":$CID}"
call 200 POST /conversations/$CID/status '{"status":"solved"}'
call 409 POST /conversations/$CID/status '{"status":"on_hold"}'
call 200 GET "/customers?q=%2B49%20170%201234567"
CUST=$(jq -r '.items // . | .[0].id' /tmp/cc.json)
call 200 GET /customers/$CUST
call 201 POST /customers "{\"name\":\"Cy Young\",\"identities\":[{\"kind\":\"email\",\"value\":\"cy@acme-$RUN.example\"}],\"tier\":\"vip\",\"lifecycle_stage\":\"loyalty\"}"
NEWC=$(jq -r .id /tmp/cc.json)
call 200 PATCH /customers/$NEWC '{"tier":"premium","churned_at":"2025-06-01T00:00:00Z"}'
call 201 POST /customers/$NEWC/identities "{\"kind\":\"phone\",\"value\":\"+1555$RUN\"}"
call 201 PUT /customers/$NEWC/records/shop/ORD-$RUN '{"kind":"order","reference":"#1001","status":"paid","amount":"49.90","currency":"EUR","occurred_at":"2025-06-01T09:00:00Z"}'
call 200 PUT /customers/$NEWC/records/shop/ORD-$RUN '{"kind":"order","reference":"#1001","status":"shipped","amount":"49.90","currency":"EUR"}'
call 201 POST /organizations "{\"name\":\"Acme Curl\",\"domains\":[\"acme-$RUN.example\"],\"tier\":\"premium\",\"account_owner_id\":$USER,\"shares_conversations\":true}"
ORG=$(jq -r .id /tmp/cc.json)
call 200 GET "/organizations?q=acme-$RUN.example"
call 200 GET /organizations/$ORG
call 200 PATCH /organizations/$ORG "{\"domains\":[\"acme-$RUN.example\",\"acme-$RUN.io\"],\"account_owner_id\":null}"
call 200 GET /users
call 200 GET /users/$USER
call 200 GET /teams
call 200 GET /teams/$TEAM
call 404 GET /conversations/999999
n=$((n+1)); [ "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer nope" $C/me)" = 401 ] && echo "ok  401 GET /me (bad token)" || { bad=$((bad+1)); echo "FAIL bad token not refused"; }
echo "openapi paths: $(curl -s $C/openapi.json | jq '.paths | length')"
echo "$n calls, $bad unexpected"
[ "$bad" = 0 ]
