// A real MCP server from the TypeScript SDK (`@modelcontextprotocol/sdk`), spoken to over stdio: the
// upstream that the gateway starts and supervises in McpTypeScriptSdkTest. Its tools exercise what
// the gateway relays both ways: progress notifications (`count`), a client's cancellation (`wait`,
// then `cancellations`), tools/list_changed (`grow`), sampling and elicitation requests from the
// server to the client (`ask_model`, `ask_user`). A resource and a prompt are passed through too.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const server = new McpServer({ name: 'ts-upstream', version: '1.0.0' });
let cancellations = 0;

function text(value) {
  return { content: [{ type: 'text', text: String(value) }] };
}

server.registerTool(
  'greet',
  { description: 'Greets someone.', inputSchema: { name: z.string() } },
  async ({ name }) => text(`hello, ${name}`),
);

server.registerTool(
  'count',
  { description: 'Counts to steps, reporting each step as progress.', inputSchema: { steps: z.number() } },
  async ({ steps }, extra) => {
    const token = extra._meta?.progressToken;
    for (let step = 1; step <= steps; step++) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: step, total: steps, message: `step ${step}` },
        });
      }
    }
    return text(`counted to ${steps}`);
  },
);

server.registerTool(
  'wait',
  { description: 'Reports that it started, then waits until the call is cancelled.' },
  async (extra) => {
    const token = extra._meta?.progressToken;
    const cancelled = new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
    if (token !== undefined) {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: 0, message: 'waiting' },
      });
    }
    const outcome = await Promise.race([
      cancelled.then(() => 'cancelled'),
      new Promise((resolve) => setTimeout(() => resolve('timed out'), 60_000)),
    ]);
    if (outcome === 'cancelled') {
      cancellations++;
      console.error('ts upstream: wait was cancelled');
    }
    return text(outcome);
  },
);

server.registerTool(
  'cancellations',
  { description: 'How many calls of wait were cancelled.' },
  async () => text(cancellations),
);

server.registerTool(
  'grow',
  { description: 'Adds the tool extra (the server then sends tools/list_changed).' },
  async () => {
    server.registerTool('extra', { description: 'Added at run time.' }, async () => text('extra'));
    return text('grown');
  },
);

server.registerTool(
  'ask_model',
  { description: "Asks the client's model (sampling) a question.", inputSchema: { question: z.string() } },
  async ({ question }) => {
    const answer = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: question } }],
      maxTokens: 16,
    });
    return text(`the model said: ${answer.content.text}`);
  },
);

server.registerTool(
  'ask_user',
  { description: 'Asks the user (elicitation) for their name.' },
  async () => {
    const answer = await server.server.elicitInput({
      message: 'What is your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
    return text(`${answer.action}: ${answer.content?.name ?? ''}`);
  },
);

server.registerResource(
  'readme',
  'note://readme',
  { description: 'A note.', mimeType: 'text/plain' },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'read me first' }] }),
);

server.registerPrompt(
  'review',
  { description: 'Asks for a code review.', argsSchema: { code: z.string() } },
  ({ code }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Please review: ${code}` } }],
  }),
);

await server.connect(new StdioServerTransport());
console.error('ts upstream started');
