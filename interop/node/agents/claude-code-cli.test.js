// Claude Code (`@anthropic-ai/claude-code`), as a user runs it: `claude -p` with ANTHROPIC_BASE_URL
// at the gateway and the gateway's headers in ANTHROPIC_CUSTOM_HEADERS, its telemetry, error
// reporting, auto-updater and other non-essential traffic off, in a scratch directory with a home
// of its own. The model calls Claude Code's Bash tool to read notes.txt; Claude Code runs it and
// sends the output back; the final answer must quote what the file holds, which only the tool
// could have read.
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  assertAnswerQuotesTheNotes,
  binaries,
  fakeOpenAiForClaudeCode,
  gatewayOrigin,
  runClient,
  scratchTask,
  transcript,
} from './setup.js';

/** Claude Code's call to its Bash tool, as the mock's script and the fake's queued answer make it. */
const READ_NOTES = { name: 'Bash', arguments: { command: 'cat notes.txt' } };

/** Runs `claude -p` on the task with the gateway config given; its run and the task. */
async function claudePrint(config) {
  const task = scratchTask();
  const run = await runClient(
    path.join(binaries, 'claude'),
    ['-p', 'Read notes.txt and tell me its first word.', '--allowedTools', 'Bash', 'Read'],
    {
      cwd: task.work,
      env: {
        HOME: task.home,
        ANTHROPIC_BASE_URL: gatewayOrigin,
        ANTHROPIC_API_KEY: 'sk-ant-unused-by-the-gateway',
        ANTHROPIC_CUSTOM_HEADERS: `x-portkey-config: ${JSON.stringify(config)}`,
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
    },
  );
  return { run, task };
}

describe('Claude Code (claude -p) through the gateway', () => {
  test('to the mock provider, scripted to call the Bash tool', async () => {
    assertAnswerQuotesTheNotes(
      await claudePrint({
        provider: 'mock',
        override_params: { mock_script: [{ tool_calls: [READ_NOTES] }] },
      }),
    );
  });

  test("to OpenAI's fake, behind the Messages API", async () => {
    assertAnswerQuotesTheNotes(
      await claudePrint({
        provider: 'openai',
        api_key: fakeOpenAiForClaudeCode.apiKey,
        custom_host: fakeOpenAiForClaudeCode.url,
        override_params: { model: 'gpt-4o-mini' },
      }),
    );
  });
});
