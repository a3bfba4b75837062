// A peer for the client tests: the official MCP TypeScript SDK v1 (@modelcontextprotocol/sdk)
// over STDIO, with a tool of each kind the client must handle: plain, failing, progress and
// logging, asking the user (elicitation), slow (for cancellation), plus a resource, a template
// and a prompt with a completable argument.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';

const server = new McpServer(
    { name: 'peer-v1', version: '1.0.0' },
    { capabilities: { logging: {} }, instructions: 'a test peer' }
);

server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));

server.registerTool('fail', { description: 'Always a tool error' },
    async () => ({ isError: true, content: [{ type: 'text', text: 'it failed' }] }));

server.registerTool('steps', { description: 'Progress and a log line', inputSchema: { n: z.number() } },
    async ({ n }, extra) => {
        await server.server.sendLoggingMessage({ level: 'info', logger: 'steps', data: `counting to ${n}` });
        const token = extra._meta?.progressToken;
        for (let i = 1; i <= n; i++)
            if (token !== undefined)
                await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: n, message: `step ${i}` } });
        return { content: [{ type: 'text', text: `counted to ${n}` }] };
    });

server.registerTool('ask', { description: 'Ask the user their name' }, async () => {
    const r = await server.server.elicitInput({
        message: 'Your name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }
    });
    return { content: [{ type: 'text', text: `${r.action}:${r.content?.name ?? ''}` }] };
});

server.registerTool('slow', { description: 'Waits until cancelled (at most 20 s)' }, async (extra) =>
    new Promise((resolve) => {
        const t = setTimeout(() => resolve({ content: [{ type: 'text', text: 'late' }] }), 20000);
        extra.signal.addEventListener('abort', () => { clearTimeout(t); resolve({ content: [{ type: 'text', text: 'aborted' }] }); });
    }));

server.registerResource('about', 'peer://about', { mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'about peer-v1' }] }));

server.registerResource('item', new ResourceTemplate('peer://items/{id}', { list: undefined }), {},
    async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `item ${id}` }] }));

server.registerPrompt('greet', {
    description: 'Greet someone',
    argsSchema: { name: completable(z.string(), (v) => ['alice', 'albert', 'bob'].filter((n) => n.startsWith(v))) }
}, ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }] }));

await server.connect(new StdioServerTransport());
