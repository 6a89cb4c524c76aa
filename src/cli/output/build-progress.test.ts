import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BuildProgressView } from './build-progress';

describe('BuildProgressView', () => {
  it('numbers steps by stage, times output, marks CACHED and DONE', () => {
    let out = '';
    let t = 0;
    const v = new BuildProgressView((s) => (out += s), () => t);
    v.feed('Step 1/4 : FROM bb AS one\n ---> a4d4547ed670\nStep 2/4 : RUN echo hi\n ---> Running in 8db8d43d3877\n');
    t = 500;
    v.feed('hi\nRemoving intermediate container 8db8d43d3877\n');
    t = 1250;
    v.feed(' ---> d5133cde6558\nStep 3/4 : FROM bb\n ---> a4d4547ed670\nStep 4/4 : COPY a /a\n ---> Using cache\n ---> 052a4c0eeb0e\n');
    v.end();
    assert.equal(out, [
      '#1 [one 1/4] FROM bb AS one', '#1 DONE 0.0s',
      '#2 [one 2/4] RUN echo hi', '#2 0.500 hi', '#2 DONE 1.3s',
      '#3 [stage-1 3/4] FROM bb', '#3 DONE 0.0s',
      '#4 [stage-1 4/4] COPY a /a', '#4 CACHED', '',
    ].join('\n'));
  });

  it('a failed build ends its open step with ERROR and the message', () => {
    let out = '';
    const v = new BuildProgressView((s) => (out += s), () => 0);
    v.feed('Step 1/2 : FROM bb\n ---> a4d4547ed670\nStep 2/2 : RUN false\n ---> Running in 8db8d43d3877\n');
    v.end("The command '/bin/sh -c false' returned a non-zero code: 1");
    assert.match(out, /#2 ERROR\nERROR: The command '\/bin\/sh -c false' returned a non-zero code: 1\n$/);
  });
});
