#!/usr/bin/env bash
# Fills the ${NAME} placeholders of a deploy/ template from the environment and prints the result;
# stops with the names that are missing. For example:
#   AWS_ACCOUNT_ID=123456789012 AWS_REGION=ap-northeast-2 ECR_REPOSITORY=gaekdam-ai-bot \
#   IMAGE_TAG=$(git rev-parse HEAD) S3_BUCKET=gaekdam-ai-bot-bucket \
#   API_KEY_SECRET_ARN=arn:… OPEN_API_KEY_SECRET_ARN=arn:… \
#     deploy/render.sh deploy/task-definition.json > /tmp/task-definition.json
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 TEMPLATE" >&2; exit 2; }
exec python3 - "$1" <<'PY'
import os, string, sys
template = string.Template(open(sys.argv[1], encoding="utf-8").read())
missing = sorted({m.group("braced") for m in template.pattern.finditer(template.template)
                  if m.group("braced") and m.group("braced") not in os.environ})
if missing:
    sys.exit(f"{sys.argv[1]}: set {', '.join(missing)}")
sys.stdout.write(template.substitute(os.environ))
PY
