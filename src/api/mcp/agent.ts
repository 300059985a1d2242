// Telling the studio's own agent from a user's MCP client. Both authenticate with an account API
// key; the studio's agent also presents `X-Builder-Agent-Token`, a server-side secret
// (STUDIO_AGENT_TOKEN) that users never hold. Runs with it are `mcp`, runs without it `user-mcp`.
import { timingSafeEqual } from 'node:crypto';
import type { TriggerType } from '../../domain/types';
import { HttpError } from '../errors';

/** Throws 401 AGENT_TOKEN_INVALID when a token is presented but is not the studio's. */
export function checkAgentToken(expected: string | undefined, given: string): void {
  if (given && !agentTokenMatches(expected, given)) {
    throw new HttpError(401, 'AGENT_TOKEN_INVALID', 'X-Builder-Agent-Token is not the studio agent token; omit it for your own MCP client.');
  }
}

/** The trigger type of an MCP run: `mcp` for the studio agent, `user-mcp` otherwise. */
export function mcpTriggerType(expected: string | undefined, given: string): Extract<TriggerType, 'mcp' | 'user-mcp'> {
  checkAgentToken(expected, given);
  return given ? 'mcp' : 'user-mcp';
}

function agentTokenMatches(expected: string | undefined, given: string): boolean {
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
