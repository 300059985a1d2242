// The public contract of the run API: every request and response body, the execution view, the
// live events and the enums, as zod schemas. The server validates and answers with these, the
// OpenAPI document (/openapi.json) is generated from them, and the CLI, MCP and the viewer read
// the same shapes. See README "Adding a field to the public contract".
export * from './admin';
export * from './common';
export * from './events';
export * from './execute';
export * from './executions';
export * from './providers';
export * from './statuses';
export * from './viewer';
export * from './workflows';
