// Codex CLI (`@openai/codex`), as a user runs it: `codex exec` with a model provider whose base URL
// is the gateway and whose wire API is OpenAI's Responses API, its update check, analytics,
// feedback and OpenTelemetry export off, in a scratch directory with its own CODEX_HOME. The model
// calls Codex's shell tool to read notes.txt; Codex runs it and sends the output back; the final
// answer must quote what the file holds, which only the tool could have read.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  binaries,
  fakeAnthropicForCodex,
  gatewayUrl,
  assertAnswerQuotesTheNotes,
  runClient,
  scratchTask,
  transcript,
} from './setup.js';

/**
 * The model Codex is told it talks to. Codex shapes its request by its catalog of models: with
 * gpt-5.5 it sends its shell tool `exec_command`, its freeform `apply_patch` (a custom tool),
 * hosted tools and reasoning settings, as it does for users (docs/clients.md).
 */
const MODEL = 'gpt-5.5';

/** Codex's call to its shell tool, as the mock's script and the fake's queued answer make it. */
const READ_NOTES = { name: 'exec_command', arguments: { cmd: 'cat notes.txt' } };

/** A TOML basic string. */
function toml(value) {
  return JSON.stringify(value);
}

function configToml(gatewayHeaders) {
  const headers = Object.entries(gatewayHeaders)
    .map(([name, value]) => `${toml(name)} = ${toml(value)}`)
    .join(', ');
  return `model = ${toml(MODEL)}
model_provider = "switchboard"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

[model_providers.switchboard]
name = "Switchboard"
base_url = ${toml(gatewayUrl)}
wire_api = "responses"
env_key = "SWITCHBOARD_API_KEY"
request_max_retries = 0
stream_max_retries = 0
http_headers = { ${headers} }
`;
}

/** Runs `codex exec` on the task with the gateway headers given; its run and the task. */
async function codexExec(gatewayHeaders) {
  const task = scratchTask();
  const codexHome = path.join(task.home, '.codex');
  fs.mkdirSync(codexHome);
  fs.writeFileSync(path.join(codexHome, 'config.toml'), configToml(gatewayHeaders));
  const run = await runClient(
    path.join(binaries, 'codex'),
    ['exec', '--skip-git-repo-check', 'Read notes.txt and tell me its first word.'],
    {
      cwd: task.work,
      env: { HOME: task.home, CODEX_HOME: codexHome, SWITCHBOARD_API_KEY: 'sk-unused-by-the-gateway' },
    },
  );
  return { run, task };
}

/** Codex's transcript (stderr) shows the command it ran; its stdout is the final answer alone. */
function ranCat(run) {
  assert.match(run.stderr, /cat notes\.txt/, transcript(run));
}

describe('Codex CLI (codex exec) through the gateway', () => {
  test('to the mock provider, scripted to call the shell tool', async () => {
    const config = {
      provider: 'mock',
      override_params: { mock_script: [{ tool_calls: [READ_NOTES] }] },
    };
    assertAnswerQuotesTheNotes(await codexExec({ 'x-portkey-config': JSON.stringify(config) }), ranCat);
  });

  test("to Anthropic's fake, behind the Responses API", async () => {
    const config = {
      provider: 'anthropic',
      api_key: fakeAnthropicForCodex.apiKey,
      custom_host: fakeAnthropicForCodex.url,
      override_params: { model: 'claude-sonnet-4-5' },
    };
    assertAnswerQuotesTheNotes(await codexExec({ 'x-portkey-config': JSON.stringify(config) }), ranCat);
  });
});
