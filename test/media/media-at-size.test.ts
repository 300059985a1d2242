// Acceptance, file store: media at real sizes travels by reference (see mediaAtSizeSuite).
import { startTestApi } from '../support/api';
import { mediaAtSizeSuite } from './mediaAtSizeSuite';

mediaAtSizeSuite('media at real sizes (file store)', () => startTestApi(), { rssBound: true });
