// The same `echo` tool served by the official TypeScript SDK over Streamable HTTP, for the
// benchmark: v1 (@modelcontextprotocol/sdk) or v2 (@modelcontextprotocol/server), stateful
// (sessions) or stateless, JSON responses (or the SDK default, SSE, with a 4th argument `sse`).
// The transports are tests/lib/ts-server.mjs's; the SDK is this folder's (package-lock.json).
// Usage: node ts-server.mjs v1|v2 stateful|stateless PORT [sse]
import * as z from 'zod';
import { serve } from '../../tests/lib/ts-server.mjs';

const [sdk, mode, port, respMode] = process.argv.slice(2);
const inputSchema = sdk === 'v1' ? { message: z.string() } : z.object({ message: z.string() });

const url = await serve({
    sdk, mode, port: Number(port), json: respMode !== 'sse', load: (m) => import(m),
    info: { name: `bench-${sdk}`, version: '1.0.0' },
    register: (s) => {
        s.registerTool('echo', { description: 'Echo the message back', inputSchema },
            async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
        return s;
    },
});
console.error(`ts-server ${sdk} ${mode} on ${url}`);
