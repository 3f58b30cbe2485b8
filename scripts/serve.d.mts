// Types of scripts/serve.mjs, for the tests that start it.
import type { Server } from 'node:http';

export declare const ROOT: string;
export declare function serve(options?: {
  root?: string;
  port?: number;
  csp?: string;
  isolated?: boolean;
}): Promise<{ server: Server; url: string }>;
