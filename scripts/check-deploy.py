#!/usr/bin/env python3
"""Checks the deployment files without AWS (scripts/lint.sh runs it in its venv, with botocore).

- every deploy/ template renders (deploy/render.sh's ${NAME} placeholders) into valid JSON;
- the task definition passes botocore's own validation of ECS RegisterTaskDefinition input, and
  holds what the issue and the contract ask: container gaekdam-chatbot on 9000, 1 vCPU / 2 GB,
  API_KEY and OPEN_API_KEY from Secrets Manager (never as plain environment), only known settings,
  awslogs, a health check through `manualbot healthcheck`, a stopTimeout above the parse timeout;
- the IAM policies stay least-privilege: no wildcard actions, "*" resources only for the actions
  that have no resource-level permissions, PassRole only for the two task roles, S3 writes only
  under uploads/;
- the Dockerfile installs deploy/runtime-packages.txt and agrees with the task definition on the
  port and the user, and every file it COPYs from the build context is let in by .dockerignore
  (an allow-list: a file left out fails `docker build`, which cannot run here).
Prints one line per file; exits 1 on any problem.
"""
import json
import pathlib
import re
import string
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

PLACEHOLDERS = {
    "AWS_ACCOUNT_ID": "123456789012",
    "AWS_REGION": "ap-northeast-2",
    "ECR_REPOSITORY": "gaekdam-ai-bot",
    "IMAGE_TAG": "0123456789abcdef0123456789abcdef01234567",
    "S3_BUCKET": "gaekdam-ai-bot-bucket",
    "API_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:gaekdam-chatbot/API_KEY-AbCdEf",
    "OPEN_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:gaekdam-chatbot/OPEN_API_KEY-AbCdEf",
    "ECS_CLUSTER": "gaekdam",
    "ECS_SERVICE": "gaekdam-chatbot",
    "GITHUB_REPOSITORY": "gaekdam/manualbot",
}

# Settings the service reads: ManualBot's own (README) and the contract's (shared/contract).
KNOWN_ENVIRONMENT = {
    "HOST", "PORT", "DATA_DIR", "MANUALS_DIR", "LOG_LEVEL", "ANSWER_MAX_CHARS", "PARSE_TIMEOUT_SECONDS",
    "PARSE_MEMORY_MB", "PARSE_WORKERS", "OPEN_MODEL", "OPENAI_TIMEOUT", "ALLOWED_ORIGINS", "S3_BUCKET",
    "AWS_REGION", "PRESIGN_EXPIRES", "MAX_UPLOAD_MB",
}
SECRET_NAMES = {"API_KEY", "OPEN_API_KEY"}
NEVER_IN_ENVIRONMENT = SECRET_NAMES | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
# Actions that only take Resource "*" (no resource-level permissions).
STAR_RESOURCE_ACTIONS = {"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"}

problems: list[str] = []


def problem(where: str, text: str) -> None:
    problems.append(f"{where}: {text}")


def render(path: pathlib.Path):
    template = string.Template(path.read_text(encoding="utf-8"))
    names = {m.group("braced") for m in template.pattern.finditer(template.template) if m.group("braced")}
    unknown = names - PLACEHOLDERS.keys()
    if unknown:
        problem(path.name, f"unknown placeholders {sorted(unknown)}")
        return None
    try:
        return json.loads(template.substitute(PLACEHOLDERS))
    except (json.JSONDecodeError, ValueError) as error:
        problem(path.name, f"not valid JSON once rendered: {error}")
        return None


def listed(value):
    return value if isinstance(value, list) else [value]


def check_task_definition(task: dict) -> None:
    where = "task-definition.json"
    try:
        import botocore.session
        from botocore.validate import ParamValidator
    except ImportError:
        problem(where, "botocore is missing (scripts/lint.sh installs it)")
    else:
        model = botocore.session.get_session().get_service_model("ecs")
        shape = model.operation_model("RegisterTaskDefinition").input_shape
        report = ParamValidator().validate(task, shape)
        if report.has_errors():
            problem(where, "ECS RegisterTaskDefinition rejects it:\n" + report.generate_report())

    # The contract's 0.5 vCPU / 1 GB, raised for semantic search: a question is embedded on every
    # chat request and the corpus in the background (deploy/README.md, "Task size").
    if task.get("cpu") != "1024" or task.get("memory") != "2048":
        problem(where, f"cpu/memory must be 1024/2048 (1 vCPU, 2 GB), got {task.get('cpu')}/{task.get('memory')}")
    if task.get("requiresCompatibilities") != ["FARGATE"] or task.get("networkMode") != "awsvpc":
        problem(where, "must be a Fargate (awsvpc) task definition")
    containers = task.get("containerDefinitions", [])
    if [c.get("name") for c in containers] != ["gaekdam-chatbot"]:
        problem(where, "exactly one container, named gaekdam-chatbot")
        return
    container = containers[0]
    if [p.get("containerPort") for p in container.get("portMappings", [])] != [9000]:
        problem(where, "the container must map port 9000")
    environment = {e["name"]: e["value"] for e in container.get("environment", [])}
    for name in sorted(environment.keys() - KNOWN_ENVIRONMENT):
        problem(where, f"environment {name} is not a setting ManualBot or the contract knows")
    for name in sorted(environment.keys() & NEVER_IN_ENVIRONMENT):
        problem(where, f"{name} must not be plain environment")
    if environment.get("PORT") != "9000":
        problem(where, "PORT must be 9000")
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    if secrets.keys() != SECRET_NAMES:
        problem(where, f"secrets must be exactly {sorted(SECRET_NAMES)}, got {sorted(secrets)}")
    for name, arn in secrets.items():
        if not arn.startswith("arn:aws:secretsmanager:"):
            problem(where, f"secret {name} must come from Secrets Manager")
    logging = container.get("logConfiguration", {})
    if logging.get("logDriver") != "awslogs" or logging.get("options", {}).get("awslogs-group") != "/ecs/gaekdam-chatbot":
        problem(where, "logs must go to awslogs, group /ecs/gaekdam-chatbot (the execution policy allows that group only)")
    command = container.get("healthCheck", {}).get("command", [])
    if command[:1] != ["CMD"] or not any(part.endswith("manualbot") for part in command) or "healthcheck" not in command:
        problem(where, f"the health check must run `manualbot healthcheck`, got {command}")
    stop = container.get("stopTimeout", 30)
    parse_timeout = int(environment.get("PARSE_TIMEOUT_SECONDS", "120"))
    if not isinstance(stop, int) or not parse_timeout < stop <= 120:
        problem(where, f"stopTimeout {stop} must exceed PARSE_TIMEOUT_SECONDS {parse_timeout} (a running parse finishes on SIGTERM) and be at most 120 (Fargate)")
    roles = {task.get("taskRoleArn", "").rsplit("/", 1)[-1], task.get("executionRoleArn", "").rsplit("/", 1)[-1]}
    if roles != {"gaekdam-chatbot-task", "gaekdam-chatbot-execution"}:
        problem(where, f"task and execution roles must be gaekdam-chatbot-task/-execution (the CI role may pass only those), got {roles}")


def statements(policy: dict, where: str) -> list:
    if policy.get("Version") != "2012-10-17":
        problem(where, 'Version must be "2012-10-17"')
    found = policy.get("Statement", [])
    for statement in found:
        if statement.get("Effect") != "Allow":
            problem(where, f"{statement.get('Sid')}: only Allow statements expected")
        for action in listed(statement.get("Action", [])):
            if "*" in action:
                problem(where, f"{statement.get('Sid')}: wildcard action {action}")
        if "NotAction" in statement or "NotResource" in statement:
            problem(where, f"{statement.get('Sid')}: NotAction/NotResource widen access")
    return found


def check_permissions_policy(policy: dict, where: str) -> dict:
    """Returns action → resources."""
    grants: dict[str, set] = {}
    for statement in statements(policy, where):
        resources = listed(statement.get("Resource", []))
        for action in listed(statement.get("Action", [])):
            if "*" in resources and action not in STAR_RESOURCE_ACTIONS:
                problem(where, f'{statement.get("Sid")}: {action} on Resource "*"')
            grants.setdefault(action, set()).update(resources)
    return grants


def check_policies() -> None:
    iam = DEPLOY / "iam"
    expected = {"ci-policy.json", "ci-trust-policy.json", "task-policy.json", "execution-policy.json", "ecs-tasks-trust-policy.json"}
    present = {p.name for p in iam.glob("*.json")}
    for name in sorted(expected - present):
        problem(f"iam/{name}", "missing")

    ci = render(iam / "ci-policy.json")
    if ci:
        grants = check_permissions_policy(ci, "iam/ci-policy.json")
        passed = grants.get("iam:PassRole", set())
        if passed != {"arn:aws:iam::123456789012:role/gaekdam-chatbot-task", "arn:aws:iam::123456789012:role/gaekdam-chatbot-execution"}:
            problem("iam/ci-policy.json", f"iam:PassRole must name the two task roles only, got {sorted(passed)}")
        for action in ("ecs:UpdateService", "ecs:DescribeServices"):
            if grants.get(action) != {"arn:aws:ecs:ap-northeast-2:123456789012:service/gaekdam/gaekdam-chatbot"}:
                problem("iam/ci-policy.json", f"{action} must be on the one service")
        if grants.get("ecr:PutImage") != {"arn:aws:ecr:ap-northeast-2:123456789012:repository/gaekdam-ai-bot"}:
            problem("iam/ci-policy.json", "ECR push must be on the one repository")
        for statement in ci.get("Statement", []):
            if "iam:PassRole" in listed(statement.get("Action", [])):
                if statement.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService") != "ecs-tasks.amazonaws.com":
                    problem("iam/ci-policy.json", "iam:PassRole must be conditioned on iam:PassedToService ecs-tasks.amazonaws.com")

    task = render(iam / "task-policy.json")
    if task:
        grants = check_permissions_policy(task, "iam/task-policy.json")
        if set(grants) != {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}:
            problem("iam/task-policy.json", f"expected list/get/put/delete on S3 only, got {sorted(grants)}")
        # Writes only to uploads (presigned PUTs) and to the replicas' shared artifacts (S3_ARTIFACTS_PREFIX).
        writable = {"arn:aws:s3:::gaekdam-ai-bot-bucket/uploads/*", "arn:aws:s3:::gaekdam-ai-bot-bucket/.manualbot/artifacts/*"}
        for action in ("s3:PutObject", "s3:DeleteObject"):
            if grants.get(action) != writable:
                problem("iam/task-policy.json", f"{action} only under uploads/ and .manualbot/artifacts/, got {sorted(grants.get(action, []))}")

    execution = render(iam / "execution-policy.json")
    if execution:
        grants = check_permissions_policy(execution, "iam/execution-policy.json")
        if grants.get("secretsmanager:GetSecretValue") != {PLACEHOLDERS["API_KEY_SECRET_ARN"], PLACEHOLDERS["OPEN_API_KEY_SECRET_ARN"]}:
            problem("iam/execution-policy.json", "GetSecretValue on the two secrets only")

    for name in ("ci-trust-policy.json", "ecs-tasks-trust-policy.json"):
        trust = render(iam / name)
        if trust:
            statements(trust, f"iam/{name}")
            if not all("Condition" in s for s in trust.get("Statement", [])):
                problem(f"iam/{name}", "every trust statement needs a Condition")


def check_dockerfile(task: dict | None) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    if "deploy/runtime-packages.txt" not in dockerfile:
        problem("Dockerfile", "the runtime stage must install deploy/runtime-packages.txt")
    if "--static-swift-stdlib" not in dockerfile:
        problem("Dockerfile", "the build stage must link the Swift runtime statically")
    if not re.search(r"^EXPOSE 9000$", dockerfile, re.M):
        problem("Dockerfile", "EXPOSE 9000")
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    if not user or user[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile", "the runtime stage must run as a non-root USER")
    if not re.search(r'^HEALTHCHECK .*CMD \["manualbot", "healthcheck"\]', dockerfile, re.M):
        problem("Dockerfile", "HEALTHCHECK through `manualbot healthcheck`")
    if task and user:
        container = task["containerDefinitions"][0]
        if container.get("user") != user[-1]:
            problem("task-definition.json", f"user {container.get('user')} differs from the Dockerfile's USER {user[-1]}")
    packages = [line.split("#")[0].strip() for line in (DEPLOY / "runtime-packages.txt").read_text().splitlines()]
    packages = [p for p in packages if p]
    if not packages or any(not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", p) for p in packages):
        problem("runtime-packages.txt", f"one Debian package name a line, got {packages}")
    allowed = [line.strip()[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip().startswith("!")]
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.M):
        for source in line.split()[:-1]:
            if not any(source.rstrip("/") == a or source.startswith(a + "/") for a in allowed):
                problem(".dockerignore", f"the Dockerfile copies {source}, which the build context leaves out")
    script = (ROOT / "scripts" / "check-image.sh").read_text(encoding="utf-8")
    if "deploy/runtime-packages.txt" not in script:
        problem("scripts/check-image.sh", "must install deploy/runtime-packages.txt, the Dockerfile's list")


def main() -> int:
    task = render(DEPLOY / "task-definition.json")
    if task:
        check_task_definition(task)
    check_policies()
    check_dockerfile(task)
    for line in problems:
        print(f"check-deploy: {line}", file=sys.stderr)
    if problems:
        return 1
    print("check-deploy: task definition, IAM policies and Dockerfile agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
