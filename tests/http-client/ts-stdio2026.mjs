// The official MCP TypeScript SDK v2 (@modelcontextprotocol/server) over STDIO serving both eras
// through serveStdio(): the opening message picks the era (server/discover: 2026-07-28,
// initialize: 2025). `ask_name` asks the client for a name with the 2026 multi round-trip
// (inputRequired; the SDK turns it into an elicitation request for a 2025 client).
import { McpServer, acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

serveStdio(() => {
    const server = new McpServer({ name: 'ts-v2-stdio', version: '2.0.0' }, { capabilities: { tools: {} } });
    server.registerTool('echo', { description: 'Echo the text', inputSchema: z.object({ text: z.string() }) },
        async ({ text }) => ({ content: [{ type: 'text', text }] }));
    server.registerTool('ask_name', { description: 'Ask the client for a name' }, async (ctx) => {
        const got = acceptedContent(ctx.mcpReq.inputResponses, 'name');
        if (!got) {
            return inputRequired({
                inputRequests: {
                    name: inputRequired.elicit({
                        message: 'Your name?',
                        requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
                    }),
                },
            });
        }
        return { content: [{ type: 'text', text: `hello ${got.name}` }] };
    });
    return server;
});
