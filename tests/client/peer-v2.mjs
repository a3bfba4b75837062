// A peer for the client tests: the official MCP TypeScript SDK v2 (@modelcontextprotocol/server)
// over STDIO, where it answers server/discover with -32601: the client falls back to initialize.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'peer-v2', version: '2.0.0' }, { instructions: 'a v2 test peer' });

server.registerTool('add', { description: 'Add two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));

server.registerTool('fail', { description: 'Always a tool error' },
    async () => ({ isError: true, content: [{ type: 'text', text: 'it failed' }] }));

server.registerResource('about', 'peer://about', { mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'about peer-v2' }] }));

server.registerPrompt('greet', { description: 'Greet someone', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }] }));

await server.connect(new StdioServerTransport());
