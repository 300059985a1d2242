// The CLI abbreviates inline media for people.
import assert from 'node:assert/strict';
import { showJson } from '../../src/cli/format';

describe('CLI output formatting', () => {
  it('abbreviates long data URLs to their type and size and leaves other values alone', () => {
    const png = `data:image/png;base64,${'A'.repeat(4096)}`;
    const shown = JSON.parse(showJson({ image: { dataUrl: png, width: 64 }, text: 'hello', short: 'data:,x' }));
    assert.equal(shown.image.dataUrl, 'data:image/png;base64,… (3.0 KiB image/png)');
    assert.equal(shown.image.width, 64);
    assert.equal(shown.text, 'hello');
    assert.equal(shown.short, 'data:,x');
  });
});
