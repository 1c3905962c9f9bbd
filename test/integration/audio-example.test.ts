/** examples/voice-note runs against the mock as documented in docs/audio.md (issue #18). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('the voice-note example transcribes locally, reports the findings, and drafts in the cloud', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/voice-note/run.ts'], { timeout: 60_000 });
  assert.match(stdout, /transcript {7}: Hi, this is Jane Doe\./);
  assert.match(stdout, /ran on {11}: office-whisper\/mock-whisper; reason=audio:local-only/);
  assert.match(stdout, /guard found {6}: email=1,person=1/);
  assert.match(stdout, /cloud draft {6}: Draft .*jane\.doe@example\.com/);
  assert.match(stdout, /ran on {11}: cloud-llm\/mock-large/);
});
