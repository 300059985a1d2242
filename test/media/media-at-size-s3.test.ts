// Acceptance, S3 store: the same runs against a real S3-compatible server (s3rver, or S3_TEST_ENDPOINT).
// The server runs inside this test process, so its memory shares the RSS figure: printed, not bounded.
import { startTestApi } from '../support/api';
import { mediaAtSizeSuite } from './mediaAtSizeSuite';

mediaAtSizeSuite('media at real sizes (S3 store)', () => startTestApi({ mediaBackend: 's3' }), { rssBound: false });
