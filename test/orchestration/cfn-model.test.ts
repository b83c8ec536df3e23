// Table tests of the CFN API's pure parts: signature v2 (against the agents' own signer, which
// os-collect-config's requests use), ARNs, the XML answers, and the deployment rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signV2 } from '../../src/agents/config/occ-cfn.ts';
import { arnResource, parseArn, stackArn } from '../../src/orchestration/model/arn.ts';
import {
  awsQuote,
  canonicalQueryV2,
  presignV2,
  signatureShapeError,
  verifySignatureV2,
} from '../../src/orchestration/model/cfn-signature.ts';
import { cfnResponse, toXml } from '../../src/orchestration/model/cfn-views.ts';
import { failureOf, substituteInputs } from '../../src/orchestration/worker/resources/software-deployment.ts';

test('awsQuote and the canonical query', () => {
  for (const [input, want] of [
    ['abc-_.~', 'abc-_.~'],
    ['a b', 'a%20b'],
    ['a+b/c=d', 'a%2Bb%2Fc%3Dd'],
    ['é', '%C3%A9'],
  ])
    assert.equal(awsQuote(input as string), want);
  assert.equal(canonicalQueryV2({ b: '2', Signature: 'x', a: '1 1' }), 'a=1%201&b=2');
});

test('signature v2: what os-collect-config signs verifies; any change does not', () => {
  const params: Record<string, string> = {
    Action: 'DescribeStackResource',
    StackName: 'overcloud',
    LogicalResourceId: 'controller0',
    AWSAccessKeyId: 'AKEY',
    SignatureVersion: '2',
  };
  params.Signature = signV2('s3cret', params, 'GET', '127.0.0.1:8000', '/v1/');
  assert.equal(verifySignatureV2('s3cret', 'GET', '127.0.0.1:8000', '/v1/', params), true);
  const cases: [string, string, string, string, Record<string, string>][] = [
    ['another secret', 'other', 'GET', '127.0.0.1:8000', params],
    ['another verb', 's3cret', 'POST', '127.0.0.1:8000', params],
    ['another host', 's3cret', 'GET', '127.0.0.1:8001', params],
    ['another path', 's3cret', 'GET', '127.0.0.1:8000', params],
    ['another parameter', 's3cret', 'GET', '127.0.0.1:8000', { ...params, LogicalResourceId: 'compute0' }],
  ];
  for (const [why, secret, verb, host, p] of cases) {
    const path = why === 'another path' ? '/v2/' : '/v1/';
    assert.equal(verifySignatureV2(secret, verb, host, path, p), false, why);
  }
  const presigned = presignV2('k', 'AK', 'POST', 'h:8000', '/v1/signal/arn:x', new Date(0));
  assert.equal(presigned.Timestamp, '1970-01-01T00:00:00Z');
  assert.equal(verifySignatureV2('k', 'POST', 'h:8000', '/v1/signal/arn:x', presigned), true);
  assert.equal(signatureShapeError(presigned), undefined);
  assert.match(signatureShapeError({ ...presigned, SignatureVersion: '4' }) ?? '', /only 2/);
  assert.match(signatureShapeError({ SignatureVersion: '2' }) ?? '', /AWSAccessKeyId/);
});

test('ARNs', () => {
  const arn = stackArn('proj', 'my stack', 'id-1', 'server/0');
  assert.equal(arn, 'arn:openstack:heat::proj:stacks/my%20stack/id-1/resources/server%2F0');
  const parsed = parseArn(arn);
  assert.deepEqual(parsed && { ...parsed, res: arnResource(parsed) }, {
    tenant: 'proj',
    stackName: 'my stack',
    stackId: 'id-1',
    path: 'resources/server%2F0',
    res: 'server/0',
  });
  assert.equal(parseArn('overcloud'), undefined);
  assert.equal(arnResource({ tenant: '', stackName: '', stackId: '', path: '' }), undefined);
});

test('XML answers: nested elements, member lists, escaping, empty values', () => {
  assert.equal(
    toXml(cfnResponse('DescribeStacks', { Stacks: [{ A: 'x<&>"', B: null, C: 3 }] })),
    '<DescribeStacksResponse><DescribeStacksResult><Stacks><member><A>x&lt;&amp;&gt;&quot;</A><B/><C>3</C></member></Stacks></DescribeStacksResult></DescribeStacksResponse>',
  );
});

test('structured config inputs and deployment failure reasons', () => {
  assert.deepEqual(
    substituteInputs(
      { a: { get_input: 'x' }, b: [{ get_input: 'y' }], c: { get_input: 'nope' } },
      'get_input',
      {
        x: 1,
        y: 'two',
      },
    ),
    { a: 1, b: ['two'], c: null },
  );
  assert.deepEqual(substituteInputs({ a: { my_input: 'x' } }, 'my_input', { x: true }), { a: true });
  const table: [Record<string, unknown>, unknown[], RegExp | undefined][] = [
    [{ deploy_status_code: 0, deploy_stderr: 'noise' }, [], undefined],
    [{}, [], undefined],
    [
      { deploy_status_code: 2, deploy_stderr: 'boom\n' },
      [],
      /^Deployment to server failed: deploy_status_code : Deployment exited with non-zero status code: 2, deploy_stderr : boom$/,
    ],
    [{ deploy_status_code: 0, err: 'bad' }, [{ name: 'err', error_output: true }], /err : bad/],
    [{ Status: 'FAILURE', Reason: 'nope' }, [], /Status : FAILURE, Reason : nope/],
  ];
  for (const [signal, outputs, want] of table) {
    // biome-ignore lint/suspicious/noExplicitAny: table rows are plain JSON
    const got = failureOf(signal as any, outputs as any);
    if (want === undefined) assert.equal(got, undefined, JSON.stringify(signal));
    else assert.match(got ?? '', want);
  }
});
