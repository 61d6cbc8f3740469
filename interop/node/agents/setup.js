// Where the agent clients' suite finds the gateway and its upstreams, from the environment that
// NodeSdkInteropTest sets. See docs/clients.md, "Agent clients (interop)".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`set ${name} (see docs/clients.md, "Agent clients (interop)")`);
  }
  return value.replace(/\/+$/, '');
}

/** The gateway's base URL with its /v1: what OpenAI's SDKs and Codex take as base URL. */
export const gatewayUrl = required('SWITCHBOARD_BASE_URL');

/** The gateway's origin, without /v1: what Anthropic's SDK and Claude Code take as base URL. */
export const gatewayOrigin = gatewayUrl.replace(/\/v1$/, '');

/** A FakeOpenAi that answers chat by calling the tools offered, then quoting their results. */
export const fakeOpenAi = {
  url: required('FAKE_OPENAI_BASE_URL'),
  apiKey: process.env.FAKE_OPENAI_API_KEY ?? 'sk-interop',
};

/**
 * A FakeAnthropic kept for Codex alone: NodeSdkInteropTest queues one scripted answer on it, a
 * call to Codex's shell tool `exec_command` with `{"cmd": "cat notes.txt"}`; the fake's next
 * answer, after the tool's result, quotes that result.
 */
export const fakeAnthropicForCodex = {
  url: required('FAKE_ANTHROPIC_CODEX_BASE_URL'),
  apiKey: process.env.FAKE_ANTHROPIC_API_KEY ?? 'sk-ant-interop',
};

/**
 * A FakeOpenAi kept for Claude Code alone: NodeSdkInteropTest queues one scripted answer on it, a
 * call to Claude Code's `Bash` tool with `{"command": "cat notes.txt"}` (Claude Code offers a dozen
 * tools; unscripted, the fake would call the first three with sample arguments); the fake's next
 * answer, after the tool's result, quotes that result.
 */
export const fakeOpenAiForClaudeCode = {
  url: required('FAKE_OPENAI_CLAUDE_CODE_BASE_URL'),
  apiKey: process.env.FAKE_OPENAI_API_KEY ?? 'sk-interop',
};

/**
 * The upstreams the SDK tests run against, as gateway headers: the offline `mock` provider, and
 * FakeOpenAi behind a provider of the OpenAI-compatible family (Groq's name, FakeOpenAi's
 * address; one that keeps `stream_options`, as FakeOpenAi reports a stream's usage only when asked),
 * which speaks chat completions only to the gateway, so that the gateway translates the Responses and
 * Messages APIs to chat and back. Each upstream answers a request that offers tools by calling
 * them, and a request that carries tool results by quoting them (`toolReply`).
 */
export const upstreams = [
  {
    name: 'mock provider',
    model: 'mock-chat',
    headers: { 'x-portkey-provider': 'mock' },
    apiKey: 'unused',
    toolReply: (results) => `Mock reply. Tool results: ${results.join('; ')}`,
  },
  {
    name: 'FakeOpenAi (chat only) as groq',
    model: 'llama-3.3-70b-versatile',
    headers: { 'x-portkey-provider': 'groq', 'x-portkey-custom-host': fakeOpenAi.url },
    apiKey: fakeOpenAi.apiKey,
    toolReply: (results) => `Tool results received: ${results.join('; ')}`,
  },
];

/** Words no earlier run sent, so that a cache a long-running gateway keeps cannot answer. */
export function fresh(text) {
  return `${text} ${randomUUID()}`;
}

/** The weather tool as the Responses API declares a function tool (flat, no `function` object). */
export const weatherFunction = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

/** What the weather tool answers, whatever the city. */
export const WEATHER = '18C and sunny';

/** Where npm put the suite's command-line clients. */
export const binaries = new URL('../node_modules/.bin/', import.meta.url).pathname;

/**
 * A scratch directory for a command-line agent's task: its working directory, holding notes.txt
 * whose first word is new to every run, and a home of its own (no user config, no history).
 */
export function scratchTask() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-agent-'));
  const word = `pelican-${randomUUID()}`;
  const work = path.join(dir, 'work');
  const home = path.join(dir, 'home');
  fs.mkdirSync(work);
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(work, 'notes.txt'), `${word} feathers are waterproof\n`);
  return { work, home, word, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a command-line client to its end with only the environment given (and PATH), stdin closed;
 * its exit code and both outputs. It is killed after `timeoutMs`.
 */
export function runClient(command, args, { cwd, env, timeoutMs = 60_000 }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What a failed run printed, for an assertion's message. */
export function transcript(run) {
  return `exit ${run.code}${run.signal ? ` (${run.signal})` : ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/**
 * Checks that a command-line agent ended well and that its final answer (stdout) quotes notes.txt,
 * which only its tool could have read; removes the task's directory either way.
 */
export function assertAnswerQuotesTheNotes({ run, task }, check = () => {}) {
  try {
    assert.equal(run.code, 0, transcript(run));
    check(run);
    assert.ok(run.stdout.includes(task.word), `the answer does not quote notes.txt:\n${transcript(run)}`);
  } finally {
    task.remove();
  }
}
