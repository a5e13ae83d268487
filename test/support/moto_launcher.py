"""Start moto's server for the integration tests, with the gaps this project needs filled.

Usage: MOTO_PORT=<port> python3 test/support/moto_launcher.py <port>

Each patch below fills one documented moto 5.2.1 gap (Node.js Lambda functions run with the local node, without
docker); the test-only control endpoints live under /_harness/:
  POST   /_harness/reset                             clear harness state (scripted SSM answers, lifecycle actions)
  POST   /_harness/lifecycle-actions                 create a pending lifecycle action (instance -> Terminating:Wait)
  GET    /_harness/lifecycle-actions                 list every action with heartbeat count and completion result
  DELETE /_harness/lifecycle-actions/<instanceId>    expire the pending action(s) of an instance
  POST   /_harness/ssm-agent                         queue scripted GetCommandInvocation answers for an instance
  POST   /_harness/workers                           simulate a worker: {InstanceId, QueueBytes, DrainSeconds|null}
  GET    /_harness/workers                           the simulated workers and every answer they gave
  GET    /_harness/event-deliveries                  every EventBridge event delivered to a Lambda target
A scale-in of a group with a terminating lifecycle hook raises lifecycle actions and sends the
"EC2 Instance-terminate Lifecycle Action" event to EventBridge, which delivers it to Lambda targets.
"""

import base64
import copy
import datetime
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from typing import Any

if len(sys.argv) != 2 or not sys.argv[1].isdigit():
    sys.exit("usage: moto_launcher.py <port>")
PORT = int(sys.argv[1])
# Step Functions SDK tasks call back into http://localhost:$MOTO_PORT, so it must be this server's port.
if os.environ.get("MOTO_PORT") != str(PORT):
    sys.exit(f"MOTO_PORT must equal the port argument ({PORT}), got {os.environ.get('MOTO_PORT')!r}")

from moto.autoscaling import models as asg_models  # noqa: E402
from moto.autoscaling.exceptions import ValidationError  # noqa: E402
from moto.autoscaling.responses import AutoScalingResponse  # noqa: E402
from moto.awslambda import models as lambda_models  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.kinesis.responses import KinesisResponse  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from moto.ssm import models as ssm_models  # noqa: E402
from moto.ssm.exceptions import SSMException  # noqa: E402
from moto.stepfunctions import models as sfn_models  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations import (  # noqa: E402
    is_operator as sfn_is_operator,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_aws_sdk as sfn_aws_sdk,
)
from moto.stepfunctions.responses import StepFunctionResponse  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

LOCK = threading.RLock()
DEFAULT_ACCOUNT = "123456789012"


# --------------------------------------------------------------------------------------------------------------------
# Step Functions
# --------------------------------------------------------------------------------------------------------------------


def _validate_state_machine_definition(self: StepFunctionResponse) -> ActionResult:
    # Gap: the AWS provider calls ValidateStateMachineDefinition before creating aws_sfn_state_machine.
    definition = self._get_param("definition")
    problem = None
    try:
        parsed = json.loads(definition) if isinstance(definition, str) else None
        if not isinstance(parsed, dict):
            problem = ("INVALID_JSON_DESCRIPTION", "The definition must be a JSON object", "")
        elif not isinstance(parsed.get("StartAt"), str):
            problem = ("SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", "/")
        elif not isinstance(parsed.get("States"), dict) or not parsed["States"]:
            problem = ("SCHEMA_VALIDATION_FAILED", "These fields are required: [States]", "/")
        elif parsed["StartAt"] not in parsed["States"]:
            problem = ("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {parsed['StartAt']}", "/StartAt")
    except ValueError as err:
        problem = ("INVALID_JSON_DESCRIPTION", f"Invalid JSON: {err}", "")
    if problem is None:
        return ActionResult({"result": "OK", "diagnostics": [], "truncated": False})
    code, message, location = problem
    diagnostic = {"severity": "ERROR", "code": code, "message": message, "location": location}
    return ActionResult({"result": "FAIL", "diagnostics": [diagnostic], "truncated": False})


StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition


def _list_state_machine_versions(self: StepFunctionResponse) -> ActionResult:
    # Gap: the AWS provider lists versions when reading aws_sfn_state_machine; nothing here publishes versions.
    return ActionResult({"stateMachineVersions": []})


StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions


def _get_execution_history(self: StepFunctionResponse) -> ActionResult:
    # Gap: the response drops reverseOrder (real Step Functions honours it; the drains CLI reads newest first).
    history = self.stepfunction_backend.get_execution_history(self._get_param("executionArn"))
    if self._get_param("reverseOrder"):
        history = {**history, "events": list(reversed(history["events"]))}
    return ActionResult(history)


StepFunctionResponse.get_execution_history = _get_execution_history


def _state_machine_deepcopy(self: sfn_models.StateMachine, memo: dict) -> sfn_models.StateMachine:
    # Bug: StartExecution deep-copies the state machine, and with it self.executions (running workers hold RLocks:
    # "cannot pickle '_thread.RLock'") and self.backend (every other machine's executions). Snapshot the definition
    # and settings only; share the backend, versions and aliases; start the snapshot with no executions.
    clone = copy.copy(self)
    memo[id(self)] = clone
    clone.executions = []
    for attr in ("encryptionConfiguration", "loggingConfiguration", "tracingConfiguration"):
        setattr(clone, attr, copy.deepcopy(getattr(self, attr), memo))
    return clone


sfn_models.StateMachine.__deepcopy__ = _state_machine_deepcopy

# RFC 3339 as Step Functions reads it: uppercase T, optional fractional seconds, Z or a numeric offset.
_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def _string_to_timestamp(string: Any) -> datetime.datetime | None:
    # Gap: moto parses Timestamp* comparison operands only as "%Y-%m-%dT%H:%M:%SZ", so a timestamp with fractional
    # seconds (JavaScript's toISOString(), AWS's own $$.State.EnteredTime) or an offset (moto's own EnteredTime is
    # Python isoformat(): "...:13.192000+00:00") never compares, and e.g. a deadline Choice never fires.
    match = _RFC3339.match(string) if isinstance(string, str) else None
    if match is None:
        return None
    seconds, fraction, zone = match.groups()
    micros = (fraction or "").ljust(6, "0")[:6]
    try:
        return datetime.datetime.fromisoformat(f"{seconds}.{micros}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        return None


sfn_is_operator.IsTimestamp.string_to_timestamp = staticmethod(_string_to_timestamp)

# Fidelity: real Step Functions names aws-sdk errors <PascalService>.<Exception>; moto's table only knows dynamodb and
# sfn and would emit e.g. "autoscaling.autoscalingException". Unmodeled errors become <Service>.<Service>Exception.
sfn_aws_sdk._SERVICE_ERROR_NAMES.update({"autoscaling": "AutoScaling", "ssm": "Ssm", "ec2": "Ec2"})


# --------------------------------------------------------------------------------------------------------------------
# Auto Scaling lifecycle actions (moto has no Terminating:Wait, no tokens, no heartbeat/complete)
# --------------------------------------------------------------------------------------------------------------------

# (group, hook, instance id) -> action; completed and expired actions stay listed, but not pending.
LIFECYCLE_ACTIONS: dict[tuple[str, str, str], dict[str, Any]] = {}
LIFECYCLE_HISTORY: list[dict[str, Any]] = []


def _instance_states(group_name: str, instance_id: str) -> list[Any]:
    """Every moto InstanceState for this group and instance, in any account and region."""
    found = []
    for account_id, regions in asg_models.autoscaling_backends.items():
        for region, backend in regions.items():
            group = backend.autoscaling_groups.get(group_name)
            if group is None:
                continue
            found += [s for s in group.instance_states if s.instance.id == instance_id]
    return found


def _set_lifecycle_state(action: dict[str, Any], state: str) -> None:
    for instance_state in _instance_states(action["AutoScalingGroupName"], action["InstanceId"]):
        instance_state.lifecycle_state = state


def add_lifecycle_action(body: dict[str, Any]) -> dict[str, Any]:
    for field in ("AutoScalingGroupName", "LifecycleHookName", "InstanceId"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise ValueError(f"{field} is required")
    action = {
        "AutoScalingGroupName": body["AutoScalingGroupName"],
        "LifecycleHookName": body["LifecycleHookName"],
        "InstanceId": body["InstanceId"],
        "LifecycleActionToken": body.get("LifecycleActionToken") or str(uuid.uuid4()),
        "State": "Pending",
        "HeartbeatCount": 0,
        "Result": None,
    }
    key = (action["AutoScalingGroupName"], action["LifecycleHookName"], action["InstanceId"])
    with LOCK:
        previous = LIFECYCLE_ACTIONS.get(key)
        if previous is not None:
            previous["State"] = "Replaced"
        LIFECYCLE_ACTIONS[key] = action
        LIFECYCLE_HISTORY.append(action)
        _set_lifecycle_state(action, "Terminating:Wait")
    return action


def expire_lifecycle_actions(instance_id: str) -> list[dict[str, Any]]:
    with LOCK:
        expired = [a for key, a in LIFECYCLE_ACTIONS.items() if key[2] == instance_id]
        for action in expired:
            del LIFECYCLE_ACTIONS[(action["AutoScalingGroupName"], action["LifecycleHookName"], instance_id)]
            action["State"] = "Expired"
            _set_lifecycle_state(action, "Terminating:Proceed")
    return expired


def _find_pending_action(resp: AutoScalingResponse) -> dict[str, Any]:
    group = resp._get_param("AutoScalingGroupName")
    hook = resp._get_param("LifecycleHookName")
    token = resp._get_param("LifecycleActionToken")
    instance_id = resp._get_param("InstanceId")
    if not token and not instance_id:
        raise ValidationError("Either LifecycleActionToken or InstanceId must be specified")
    for key, action in LIFECYCLE_ACTIONS.items():
        if key[0] != group or key[1] != hook:
            continue
        if (token and action["LifecycleActionToken"] == token) or (not token and key[2] == instance_id):
            return action
    # The exact message AWS returns once an action is completed, expired, or never existed.
    if token:
        raise ValidationError(f"No active Lifecycle Action found with token {token}")
    raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")


def _record_lifecycle_action_heartbeat(self: AutoScalingResponse) -> ActionResult:
    # Gap: moto has no RecordLifecycleActionHeartbeat.
    with LOCK:
        _find_pending_action(self)["HeartbeatCount"] += 1
    return EmptyResult()


def _complete_lifecycle_action(self: AutoScalingResponse) -> ActionResult:
    # Gap: moto has no CompleteLifecycleAction.
    result = self._get_param("LifecycleActionResult")
    if result not in ("CONTINUE", "ABANDON"):
        raise ValidationError("LifecycleActionResult must be CONTINUE or ABANDON")
    with LOCK:
        action = _find_pending_action(self)
        action["State"] = "Completed"
        action["Result"] = result
        del LIFECYCLE_ACTIONS[(action["AutoScalingGroupName"], action["LifecycleHookName"], action["InstanceId"])]
        # Both results terminate an instance leaving through a terminating hook.
        _set_lifecycle_state(action, "Terminating:Proceed")
    return EmptyResult()


AutoScalingResponse.record_lifecycle_action_heartbeat = _record_lifecycle_action_heartbeat
AutoScalingResponse.complete_lifecycle_action = _complete_lifecycle_action


# --------------------------------------------------------------------------------------------------------------------
# SSM fake instance agent
# --------------------------------------------------------------------------------------------------------------------

# instance id -> queue of scripted answers (the last one repeats); (command id, instance id) -> invocation
SSM_SCRIPTS: dict[str, list[dict[str, Any]]] = {}
SSM_INVOCATIONS: dict[tuple[str, str], dict[str, Any]] = {}
DEFAULT_RESPONSE_CODES = {"Success": 0, "Failed": 1, "Pending": -1, "InProgress": -1, "Delayed": -1}


def script_ssm_agent(body: dict[str, Any]) -> None:
    instance_id = body.get("InstanceId")
    responses = body.get("Responses")
    if not isinstance(instance_id, str) or not isinstance(responses, list) or not responses:
        raise ValueError("InstanceId and a non-empty Responses list are required")
    with LOCK:
        SSM_SCRIPTS[instance_id] = [dict(r) for r in responses]


def _next_scripted_answer(instance_id: str) -> dict[str, Any] | None:
    queue = SSM_SCRIPTS.get(instance_id)
    if not queue:
        return None
    return queue.pop(0) if len(queue) > 1 else queue[0]


_original_send_command = ssm_models.SimpleSystemManagerBackend.send_command


def _check_document_parameters(backend: Any, document_name: str | None, parameters: dict[str, Any]) -> None:
    # SSM checks each String parameter against the document's allowedPattern and maxChars at SendCommand and refuses
    # the whole command (InvalidParameters); moto checks neither. A document moto cannot read is left to moto.
    try:
        document = backend._documents[document_name].get_default_version()
        content = document.content
        declared = (content if isinstance(content, dict) else json.loads(content)).get("parameters") or {}
    except Exception:  # noqa: BLE001 (not one of our JSON documents: nothing to check)
        return
    for name, values in (parameters or {}).items():
        spec = declared.get(name)
        if not isinstance(spec, dict):
            continue
        for value in values if isinstance(values, list) else [values]:
            pattern = spec.get("allowedPattern")
            max_chars = spec.get("maxChars")
            if (pattern and not re.search(pattern, value)) or (max_chars is not None and len(value) > max_chars):
                raise SSMException(
                    "InvalidParameters",
                    f'Parameter "{name}" "{value[:100]}" failed to satisfy constraint: allowedPattern {pattern}'
                    + (f", maxChars {max_chars}" if max_chars is not None else ""),
                )


def _send_command(self: Any, **kwargs: Any) -> Any:
    # Fake agent: each SendCommand to a scripted instance consumes its next answer (or fails as scripted).
    _check_document_parameters(self, kwargs.get("document_name"), kwargs.get("parameters") or {})
    with LOCK:
        answers = {i: _next_scripted_answer(i) for i in kwargs.get("instance_ids") or []}
        for instance_id, answer in answers.items():
            if answer and answer.get("Error"):
                message = answer.get("Message") or f"Instances [[{instance_id}]] not in a valid state for account"
                raise SSMException(answer["Error"], message)
        command = _original_send_command(self, **kwargs)
        for instance_id, answer in answers.items():
            if answer is None:
                continue
            invocation = command.invocation_response(instance_id, "aws:runShellScript")
            status = answer.get("Status", "Success")
            invocation.update(
                {
                    "Status": status,
                    "StatusDetails": answer.get("StatusDetails", status),
                    "StandardOutputContent": answer.get("StandardOutputContent", ""),
                    "StandardErrorContent": answer.get("StandardErrorContent", ""),
                    "ResponseCode": answer.get("ResponseCode", DEFAULT_RESPONSE_CODES.get(status, 1)),
                }
            )
            SSM_INVOCATIONS[(command.command_id, instance_id)] = invocation
            if len(command.instance_ids) == 1:
                command.status = "InProgress" if status in ("Pending", "Delayed") else status
                command.status_details = invocation["StatusDetails"]
        return command


ssm_models.SimpleSystemManagerBackend.send_command = _send_command

_original_get_command_invocation = ssm_models.SimpleSystemManagerBackend.get_command_invocation


def _get_command_invocation(self: Any, command_id: str, instance_id: str, plugin_name: str | None) -> Any:
    # Fake agent: scripted invocations answer for any plugin (a custom document names its own steps).
    with LOCK:
        scripted = SSM_INVOCATIONS.get((command_id, instance_id))
    if scripted is None:
        return _original_get_command_invocation(self, command_id, instance_id, plugin_name)
    return {**scripted, "PluginName": plugin_name or scripted["PluginName"]}


ssm_models.SimpleSystemManagerBackend.get_command_invocation = _get_command_invocation

_original_targets = ssm_models.Command._get_instance_ids_from_targets


def _instance_ids_from_targets(self: Any) -> list[str]:
    # Bug: with no Targets moto adds every EC2 instance of the region to the command.
    return _original_targets(self) if self.targets else []


ssm_models.Command._get_instance_ids_from_targets = _instance_ids_from_targets


# --------------------------------------------------------------------------------------------------------------------
# Lambda: run Node.js functions with the local node (moto's Invoke needs docker)
# --------------------------------------------------------------------------------------------------------------------

# Runs one invocation: argv = task directory, handler ("<file>.<export>"), timeout seconds, result file; the event is
# JSON on stdin. Writes {"result": ...} or {"error": {errorType, errorMessage, trace}} (the Node runtime's shape) to
# the result file, so everything the function prints stays log output, as in Lambda.
NODE_RUNNER = r"""
const fs = require("node:fs");
const path = require("node:path");
const [taskDir, handlerSpec, timeoutSeconds, resultFile] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const finish = (outcome) => {
  fs.writeFileSync(resultFile, JSON.stringify(outcome));
  process.exit(0);
};
const fail = (err) =>
  finish({
    error: err instanceof Error
      ? { errorType: err.name, errorMessage: err.message, trace: String(err.stack ?? "").split("\n") }
      : { errorType: typeof err, errorMessage: String(err), trace: [] },
  });
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
const named = (name, message) => Object.assign(new Error(message), { name });
(async () => {
  const event = JSON.parse(fs.readFileSync(0, "utf8") || "null");
  const dot = handlerSpec.lastIndexOf(".");
  let mod;
  try {
    mod = require(path.resolve(taskDir, handlerSpec.slice(0, dot)));
  } catch (e) {
    throw named("Runtime.ImportModuleError", `Error: ${e.message}`);
  }
  const handler = mod[handlerSpec.slice(dot + 1)];
  if (typeof handler !== "function") throw named("Runtime.HandlerNotFound", `${handlerSpec} is undefined or not exported`);
  const env = process.env;
  const context = {
    awsRequestId: env.MOTO_LAMBDA_REQUEST_ID,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: env.MOTO_LAMBDA_FUNCTION_ARN,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const result = await new Promise((resolve, reject) => {
    const returned = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (returned && typeof returned.then === "function") returned.then(resolve, reject);
  });
  finish({ result: result === undefined ? null : result });
})().catch(fail);
"""

LAMBDA_CODE_ROOT = os.path.join(tempfile.gettempdir(), f"moto-lambda-{os.getpid()}")
LAMBDA_CODE_LOCK = threading.Lock()


def _lambda_code_root() -> str:
    """This process's scratch directory (removed on exit), holding the runner script."""
    with LAMBDA_CODE_LOCK:
        runner = os.path.join(LAMBDA_CODE_ROOT, "runner.js")
        if not os.path.exists(runner):
            os.makedirs(LAMBDA_CODE_ROOT, exist_ok=True)
            with open(runner, "w") as f:
                f.write(NODE_RUNNER)
    return LAMBDA_CODE_ROOT


def _lambda_task_dir(code: bytes) -> str:
    """The deployment package, unzipped once per code SHA-256."""
    task_dir = os.path.join(_lambda_code_root(), hashlib.sha256(code).hexdigest())
    with LAMBDA_CODE_LOCK:
        if not os.path.isdir(task_dir):
            staging = tempfile.mkdtemp(dir=LAMBDA_CODE_ROOT)
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(staging)
            os.rename(staging, task_dir)
    return task_dir


def _run_node_function(fn: Any, event: bytes) -> tuple[Any, dict[str, Any] | None, str]:
    """Runs one invocation; returns (result, error payload or None, log output). The output goes to CloudWatch Logs."""
    result, error, logs = _run_node_process(fn, event)
    fn.logs_backend.ensure_log_group(fn.logs_group_name)
    fn.save_logs(logs)
    return result, error, logs


def _run_node_process(fn: Any, event: bytes) -> tuple[Any, dict[str, Any] | None, str]:
    task_dir = _lambda_task_dir(fn.code_bytes)
    request_id = str(uuid.uuid4())
    timeout = float(fn.timeout or 3)
    log_stream = f"{time.strftime('%Y/%m/%d')}/[{fn.version}]{request_id.replace('-', '')}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": task_dir,
        "_HANDLER": fn.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "MOTO_LAMBDA_REQUEST_ID": request_id,
        "MOTO_LAMBDA_FUNCTION_ARN": fn.function_arn,
        **{k: str(v) for k, v in (fn.environment_vars or {}).items()},
        # Every SDK call of the function goes to this emulator.
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{PORT}",
    }
    with tempfile.TemporaryDirectory(dir=_lambda_code_root()) as scratch:
        result_file = os.path.join(scratch, "result.json")
        argv = ["node", os.path.join(LAMBDA_CODE_ROOT, "runner.js"), task_dir, fn.handler, str(timeout), result_file]
        try:
            proc = subprocess.run(argv, input=event, capture_output=True, env=env, cwd=task_dir, timeout=timeout)
            logs = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        except subprocess.TimeoutExpired as expired:  # run() has killed node
            logs = ((expired.stdout or b"") + (expired.stderr or b"")).decode("utf-8", "replace")
            message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
            return None, {"errorType": "Sandbox.Timedout", "errorMessage": message}, logs
        if not os.path.exists(result_file):
            message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {proc.returncode}"
            return None, {"errorType": "Runtime.ExitError", "errorMessage": message}, logs
        with open(result_file) as f:
            outcome = json.load(f)
    return outcome.get("result"), outcome.get("error"), logs


_original_lambda_invoke = lambda_models.LambdaFunction.invoke


def _lambda_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> str | bytes:
    # Gap: moto runs functions in docker only. A Node.js zip function runs here with the local node, its Environment
    # and the emulator as endpoint; a thrown error answers FunctionError "Unhandled" with {errorType, errorMessage,
    # trace}, so Step Functions' lambda:invoke names the error after errorType, as with real Lambda. Bounded by the
    # function's Timeout (Sandbox.Timedout). Other runtimes keep moto's behaviour.
    if not str(self.run_time or "").startswith("nodejs") or not getattr(self, "code_bytes", b""):
        return _original_lambda_invoke(self, body, request_headers, response_headers)
    event = body if isinstance(body, bytes) else (body or "{}").encode("utf-8")
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        threading.Thread(target=_run_node_function, args=(self, event), daemon=True).start()
        return b""
    result, error, logs = _run_node_function(self, event)
    response_headers["x-amz-executed-version"] = str(self.version)
    response_headers["x-amz-log-result"] = base64.b64encode(logs.encode("utf-8")[-4096:]).decode("ascii")
    if error is not None:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(error).encode("utf-8")
    return json.dumps(result).encode("utf-8")


lambda_models.LambdaFunction.invoke = _lambda_invoke


# --------------------------------------------------------------------------------------------------------------------
# Kinesis
# --------------------------------------------------------------------------------------------------------------------

_original_create_stream = KinesisResponse.create_stream


def _create_stream(self: KinesisResponse) -> ActionResult:
    # Gap: moto ignores CreateStream's Tags, which the AWS provider sends at creation (default_tags then drift).
    result = _original_create_stream(self)
    tags = self._get_param("Tags")
    if tags:
        self.kinesis_backend.add_tags_to_stream(None, self._get_param("StreamName"), tags)
    return result


KinesisResponse.create_stream = _create_stream


# --------------------------------------------------------------------------------------------------------------------
# Control endpoints and server
# --------------------------------------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def harness_app(request: Request) -> Response:
    path = request.path.rstrip("/")
    try:
        if path == "/_harness/reset" and request.method == "POST":
            with LOCK:
                SSM_SCRIPTS.clear()
                SSM_INVOCATIONS.clear()
                LIFECYCLE_ACTIONS.clear()
                LIFECYCLE_HISTORY.clear()
            return _json({"reset": True})
        if path == "/_harness/lifecycle-actions" and request.method == "POST":
            return _json(add_lifecycle_action(request.get_json(force=True)))
        if path == "/_harness/lifecycle-actions" and request.method == "GET":
            with LOCK:
                return _json({"LifecycleActions": [dict(a) for a in LIFECYCLE_HISTORY]})
        if path.startswith("/_harness/lifecycle-actions/") and request.method == "DELETE":
            expired = expire_lifecycle_actions(path.rsplit("/", 1)[1])
            return _json({"Expired": expired}, 200 if expired else 404)
        if path == "/_harness/ssm-agent" and request.method == "POST":
            script_ssm_agent(request.get_json(force=True))
            return _json({"scripted": True})
    except ValueError as err:
        return _json({"error": str(err)}, 400)
    return _json({"error": f"no harness route {request.method} {path}"}, 404)


def build_app() -> Any:
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/_harness/"):
            return harness_app(Request(environ))(environ, start_response)
        return moto_app(environ, start_response)

    return app


# --------------------------------------------------------------------------------------------------------------------
# Scale-in through a terminating lifecycle hook, the lifecycle event to EventBridge, EventBridge -> Lambda, and a
# simulated worker (added for `npm run demo`; the sections above are unchanged)
# --------------------------------------------------------------------------------------------------------------------

from moto.awslambda.models import lambda_backends  # noqa: E402
from moto.events import models as events_models  # noqa: E402
from moto.utilities.arns import parse_arn  # noqa: E402

TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING"
TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action"
# Tokens of the lifecycle actions a scale-in raised here: completing or expiring one really terminates the instance.
SCALE_IN_ACTIONS: set[str] = set()
# Every event this harness delivered to a Lambda target: {Rule, Target, Event}.
EVENT_DELIVERIES: list[dict[str, Any]] = []


def _terminating_hooks(group: Any) -> list[Any]:
    return [
        hook
        for hook in group.autoscaling_backend.lifecycle_hooks.values()
        if hook.auto_scaling_group_name == group.name and hook.lifecycle_transition == TERMINATING_TRANSITION
    ]


def _aws_time(seconds: float) -> str:
    """An EventBridge event's `time`: RFC 3339, UTC, whole seconds."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _send_lifecycle_event(group: Any, hook: Any, action: dict[str, Any], at: float) -> None:
    """What Auto Scaling sends to the default event bus when an instance enters Terminating:Wait."""
    detail = {
        "Origin": "AutoScalingGroup",
        "Destination": "EC2",
        "LifecycleActionToken": action["LifecycleActionToken"],
        "AutoScalingGroupName": group.name,
        "LifecycleHookName": hook.name,
        "EC2InstanceId": action["InstanceId"],
        "LifecycleTransition": TERMINATING_TRANSITION,
    }
    metadata = getattr(hook, "notification_metadata", None)
    if metadata:
        detail["NotificationMetadata"] = metadata
    backend = group.autoscaling_backend
    events_models.events_backends[backend.account_id][backend.region_name].put_events(
        [
            {
                "Source": "aws.autoscaling",
                "DetailType": TERMINATE_DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "Resources": [group.arn],
                # moto keeps `time` as epoch seconds internally (its targets format it); ours formats it below.
                "Time": at,
            }
        ]
    )


_original_group_set_desired_capacity = asg_models.FakeAutoScalingGroup.set_desired_capacity


def _group_set_desired_capacity(self: Any, new_capacity: int | None) -> None:
    # Gap: moto terminates scaled-in instances at once. With a terminating lifecycle hook AWS holds each one in
    # Terminating:Wait, raises one lifecycle action per hook and sends "EC2 Instance-terminate Lifecycle Action" to
    # EventBridge; the instance goes when every action is completed (or expires). Without such a hook, when scaling
    # out, and for mixed-instances groups, moto's own behaviour is kept.
    hooks = _terminating_hooks(self)
    desired = self.min_size if new_capacity is None else new_capacity
    active = self.active_instances()
    excess = len(active) - (desired or 0)
    if not hooks or excess <= 0 or self.mixed_instances_policy:
        _original_group_set_desired_capacity(self, new_capacity)
        return
    self.desired_capacity = desired
    leaving = [state for state in active if not state.protected_from_scale_in][:excess]
    now = time.time()
    for state in leaving:
        for hook in hooks:
            with LOCK:
                action = add_lifecycle_action(
                    {
                        "AutoScalingGroupName": self.name,
                        "LifecycleHookName": hook.name,
                        "InstanceId": state.instance.id,
                    }
                )
                SCALE_IN_ACTIONS.add(action["LifecycleActionToken"])
            _send_lifecycle_event(self, hook, action, now)


asg_models.FakeAutoScalingGroup.set_desired_capacity = _group_set_desired_capacity


def _finish_scale_in(action: dict[str, Any]) -> None:
    """Once the last pending action of a scaled-in instance ends, the instance leaves the group and terminates."""
    with LOCK:
        if action["LifecycleActionToken"] not in SCALE_IN_ACTIONS:
            return
        SCALE_IN_ACTIONS.discard(action["LifecycleActionToken"])
        group_name, instance_id = action["AutoScalingGroupName"], action["InstanceId"]
        if any(key[0] == group_name and key[2] == instance_id for key in LIFECYCLE_ACTIONS):
            return
        for regions in asg_models.autoscaling_backends.values():
            for backend in regions.values():
                group = backend.autoscaling_groups.get(group_name)
                if group is None:
                    continue
                before = len(group.instance_states)
                group.instance_states = [s for s in group.instance_states if s.instance.id != instance_id]
                if len(group.instance_states) != before:
                    backend.ec2_backend.terminate_instances([instance_id])


_lifecycle_complete_without_termination = AutoScalingResponse.complete_lifecycle_action


def _complete_lifecycle_action_and_terminate(self: AutoScalingResponse) -> ActionResult:
    # Gap: an instance whose lifecycle action a scale-in raised terminates once the action is completed.
    with LOCK:
        try:
            action: dict[str, Any] | None = _find_pending_action(self)
        except ValidationError:
            action = None
        result = _lifecycle_complete_without_termination(self)
        if action is not None:
            _finish_scale_in(action)
    return result


AutoScalingResponse.complete_lifecycle_action = _complete_lifecycle_action_and_terminate

_expire_without_termination = expire_lifecycle_actions


def expire_lifecycle_actions(instance_id: str) -> list[dict[str, Any]]:  # noqa: F811 (extends the one above)
    # As the heartbeat timeout does: an expired action of a scale-in terminates its instance too.
    with LOCK:
        expired = _expire_without_termination(instance_id)
        for action in expired:
            _finish_scale_in(action)
    return expired


_original_send_to_targets = events_models.Rule.send_to_targets


def _send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
    # Gap: moto delivers to log groups, archives, SQS and event buses; a Lambda target raises NotImplementedError.
    # A matching event is delivered to a Lambda target as an asynchronous invocation (Lambda's Event type, as
    # EventBridge invokes), with `time` as AWS writes it; a target's constant `Input` replaces the event. Not modelled:
    # the target's retry policy and dead-letter queue, and the function's resource policy (not checked).
    # A scheduled rule (no event pattern) and a disabled rule match no event: moto's empty pattern matches every one.
    lambda_targets = [t for t in self.targets if parse_arn(t["Arn"]).service == "lambda"]
    others = [t for t in self.targets if t not in lambda_targets]
    matches = (
        self.state == "ENABLED"
        and not (self.scheduled_expression and not self.event_pattern.get_pattern())
        and self.event_pattern.matches_event(original_event)
    )
    if lambda_targets and matches:
        for target in lambda_targets:
            _deliver_to_lambda(self, target, original_event)
    if others:
        rest = copy.copy(self)
        rest.targets = others
        _original_send_to_targets(rest, original_event, transform_input)


def _deliver_to_lambda(rule: Any, target: dict[str, Any], original_event: dict[str, Any]) -> None:
    event = copy.deepcopy(original_event)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = _aws_time(float(event["time"]))
    event.pop("ingestion-time", None)
    if target.get("Input"):
        event = json.loads(target["Input"])
    arn = parse_arn(target["Arn"])
    fn = lambda_backends[arn.account][arn.region].get_function(target["Arn"])
    with LOCK:
        EVENT_DELIVERIES.append({"Rule": rule.name, "Target": target["Arn"], "Event": event})
    fn.invoke(json.dumps(event).encode("utf-8"), {"x-amz-invocation-type": "Event"}, {})


events_models.Rule.send_to_targets = _send_to_targets

# instance id -> simulated worker: its queue drains linearly while Cribl is active, from the first probe on.
WORKERS: dict[str, dict[str, Any]] = {}


def simulate_worker(body: dict[str, Any]) -> dict[str, Any]:
    instance_id = body.get("InstanceId")
    queue_bytes = body.get("QueueBytes")
    drain_seconds = body.get("DrainSeconds")
    if not isinstance(instance_id, str) or not instance_id:
        raise ValueError("InstanceId is required")
    if not isinstance(queue_bytes, int) or queue_bytes < 0:
        raise ValueError("QueueBytes must be a non-negative integer")
    if drain_seconds is not None and (not isinstance(drain_seconds, (int, float)) or drain_seconds <= 0):
        raise ValueError("DrainSeconds must be a positive number, or null for a queue that never drains")
    worker = {
        "InstanceId": instance_id,
        "QueueBytes": queue_bytes,
        "DrainSeconds": drain_seconds,
        "ServiceActive": True,
        "ActiveSeconds": 0.0,
        "ActiveSince": None,
        "Started": False,
        "Answers": [],
    }
    with LOCK:
        WORKERS[instance_id] = worker
    return _worker_view(worker)


def _worker_view(worker: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in worker.items() if k not in ("ActiveSince", "Started")}


def _worker_bytes(worker: dict[str, Any], now: float) -> int:
    if worker["DrainSeconds"] is None:
        return worker["QueueBytes"]
    active = worker["ActiveSeconds"]
    if worker["ServiceActive"] and worker["ActiveSince"] is not None:
        active += now - worker["ActiveSince"]
    return max(0, round(worker["QueueBytes"] * (1 - active / worker["DrainSeconds"])))


def _set_worker_active(worker: dict[str, Any], active: bool, now: float) -> None:
    if worker["ServiceActive"] and not active and worker["ActiveSince"] is not None:
        worker["ActiveSeconds"] += now - worker["ActiveSince"]
        worker["ActiveSince"] = None
    if active and not worker["ServiceActive"]:
        worker["ActiveSince"] = now
    worker["ServiceActive"] = active


def _simulated_worker_answer(worker: dict[str, Any], parameters: dict[str, list[str]]) -> dict[str, Any] | None:
    """What our documents print on this worker: the graceful-stop document (it has `action`) or the probe."""
    now = time.time()
    at = _aws_time(now)
    if "action" in parameters:
        action = (parameters.get("action") or ["stop"])[0]
        _set_worker_active(worker, action == "start", now)
        line = {"v": 1, "stopped": True} if action == "stop" else {"v": 1, "action": "start", "started": True}
        worker["Answers"].append({"At": at, "Document": f"graceful-stop ({action})", "ServiceActive": action == "start"})
    elif "queueDirectories" in parameters:
        if not worker["Started"]:
            worker["Started"] = True
            worker["ActiveSince"] = now if worker["ServiceActive"] else None
        total = _worker_bytes(worker, now)
        directories = (parameters.get("queueDirectories") or [""])[0].split(",")
        queues = [
            {"path": d, "exists": True, "bytes": total if i == 0 else 0, "files": (max(1, total // 65536) if total else 0) if i == 0 else 0}
            for i, d in enumerate(directories)
        ]
        line = {"v": 1, "queues": queues, "serviceActive": worker["ServiceActive"], "errors": []}
        worker["Answers"].append({"At": at, "Document": "queue-probe", "Bytes": total, "ServiceActive": worker["ServiceActive"]})
    else:
        return None
    return {"Status": "Success", "StandardOutputContent": json.dumps(line) + "\n", "ResponseCode": 0}


_send_command_with_scripts = ssm_models.SimpleSystemManagerBackend.send_command


def _send_command_with_simulated_workers(self: Any, **kwargs: Any) -> Any:
    # A simulated worker answers our documents from its state at the time of the command (it replaces any script).
    with LOCK:
        for instance_id in kwargs.get("instance_ids") or []:
            worker = WORKERS.get(instance_id)
            answer = worker and _simulated_worker_answer(worker, kwargs.get("parameters") or {})
            if answer:
                SSM_SCRIPTS[instance_id] = [answer]
        return _send_command_with_scripts(self, **kwargs)


ssm_models.SimpleSystemManagerBackend.send_command = _send_command_with_simulated_workers

_harness_app_without_demo_routes = harness_app


def harness_app(request: Request) -> Response:  # noqa: F811 (extends the one above with the routes of this section)
    path = request.path.rstrip("/")
    try:
        if path == "/_harness/reset" and request.method == "POST":
            with LOCK:
                SCALE_IN_ACTIONS.clear()
                EVENT_DELIVERIES.clear()
                WORKERS.clear()
        elif path == "/_harness/workers" and request.method == "POST":
            return _json(simulate_worker(request.get_json(force=True)))
        elif path == "/_harness/workers" and request.method == "GET":
            with LOCK:
                return _json({"Workers": [_worker_view(w) for w in WORKERS.values()]})
        elif path == "/_harness/event-deliveries" and request.method == "GET":
            with LOCK:
                return _json({"Deliveries": copy.deepcopy(EVENT_DELIVERIES)})
    except ValueError as err:
        return _json({"error": str(err)}, 400)
    return _harness_app_without_demo_routes(request)


class OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0: every answer closes its connection, so no client ever reuses a connection the server is closing.
    With keep-alive, Terraform's provider (max_retries 1 against the emulator) saw a dropped connection now and then
    on loaded runs, and a run repeated after one met a launch template the lost call had created."""

    protocol_version = "HTTP/1.0"


def main() -> None:
    # One log line per request is noise; tracebacks still reach stderr.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(
        "127.0.0.1", PORT, build_app(), threaded=True, request_handler=OneRequestPerConnection
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/moto-api/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("moto server did not answer")
            time.sleep(0.05)
    print(f"moto_launcher ready on http://127.0.0.1:{PORT}", flush=True)
    # Execution worker threads may not be daemons: exit hard on a signal.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: _exit_now())
    # Never outlive the process that started us (even if it was SIGKILLed): it re-parents us when it dies.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    _exit_now()


def _exit_now() -> None:
    shutil.rmtree(LAMBDA_CODE_ROOT, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    main()
