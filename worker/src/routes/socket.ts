import { Hono } from 'hono';
import { requireSpaceRole } from '../auth/require-space-role';
import { spaceStub } from '../objects/stubs';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';
import { upgradeRequest } from '../http/socket-peer';

/**
 * `GET /api/spaces/:spaceId/socket`: the space's live channel, a hibernating WebSocket held by
 * its SpaceObject. Any member may connect (viewers see lock events and sync pokes too).
 */
export const socketRoutes = new Hono<AppEnv>().get(
  '/spaces/:spaceId/socket',
  requireSpaceRole('viewer'),
  (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(
        'BAD_REQUEST',
        'This URL is a WebSocket; connect with an Upgrade: websocket request.',
      );
    }
    const { spaceId, userId, username, role } = c.var.member;
    return spaceStub(c.env, spaceId).fetch(
      upgradeRequest(c.req.url, { userId, username, role, sessionId: c.var.session.sessionId }),
    );
  },
);
