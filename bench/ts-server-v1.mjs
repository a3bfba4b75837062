// Benchmark server: the official MCP TypeScript SDK v1 (@modelcontextprotocol/sdk), STDIO.
// Same tools as libmcp's examples/quickstart: add {a, b} -> "a + b = sum", echo {text} -> text.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'quickstart', version: '1.0.0' });

server.registerTool(
    'add',
    {
        description: 'Add two numbers',
        inputSchema: {
            a: z.number().describe('First number'),
            b: z.number().describe('Second number')
        }
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: `${a} + ${b} = ${a + b}` }] })
);

server.registerTool(
    'echo',
    { description: 'Echo the text back', inputSchema: { text: z.string().describe('Text to echo back') } },
    async ({ text }) => ({ content: [{ type: 'text', text }] })
);

await server.connect(new StdioServerTransport());
