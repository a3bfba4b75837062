// Benchmark server: the official MCP TypeScript SDK v2 (@modelcontextprotocol/server), STDIO.
// Same tools as libmcp's examples/quickstart: add {a, b} -> "a + b = sum", echo {text} -> text.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'quickstart', version: '1.0.0' });

server.registerTool(
    'add',
    {
        description: 'Add two numbers',
        inputSchema: z.object({
            a: z.number().describe('First number'),
            b: z.number().describe('Second number')
        })
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: `${a} + ${b} = ${a + b}` }] })
);

server.registerTool(
    'echo',
    { description: 'Echo the text back', inputSchema: z.object({ text: z.string().describe('Text to echo back') }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] })
);

await server.connect(new StdioServerTransport());
