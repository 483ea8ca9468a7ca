/**
 * Packages the service with `osls package` (offline: no AWS account, no network) and checks the
 * CloudFormation template it writes: resources, IAM least privilege, bucket lock-down, triggers, and
 * every resource's properties against the CloudFormation resource specification
 * (`@aws-cdk/aws-service-spec`), so a misspelt property fails here instead of on deploy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// SPARKMAKER_PACKAGE_SERVICE_DIR packages a copy of the service instead (to try a change to serverless.yml).
const serviceDir = process.env.SPARKMAKER_PACKAGE_SERVICE_DIR ?? repoRoot;

const FUNCTIONS = [
  'validate-input',
  's3-trigger',
  'plan-conversion',
  'convert',
  'evaluate',
  'register-model',
  'resolve-model',
  'plan-shards',
  'score-shard',
  'commit-scores',
  'invoke-shard',
  'endpoint-cleanup',
  'map-failure',
  'schedule-trigger',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string[] | string;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  NotResource?: Json;
  Condition?: Json;
  Principal?: Json;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Json>;
}

let template: Template;
let outputDir: string;

/** The environment `osls package` runs in: dummy credentials, no telemetry, no notifications. */
function offlineEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: outputDir,
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGE00',
    AWS_SECRET_ACCESS_KEY: 'offline-package-only',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
  };
}

describe('the packaged CloudFormation template', () => {
  beforeAll(async () => {
    outputDir = mkdtempSync(path.join(tmpdir(), 'sparkmaker-package-'));
    // The `package` npm script, writing to a private directory instead of the shared .serverless/.
    await promisify(execFile)(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'dev',
        '--region',
        'us-east-1',
        '--package',
        outputDir,
      ],
      { cwd: serviceDir, env: offlineEnv(), timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
    );
    template = JSON.parse(
      readFileSync(path.join(outputDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
  }, 330_000);

  afterAll(() => {
    if (outputDir) rmSync(outputDir, { recursive: true, force: true });
  });

  it('has the buckets, state machines, EMR application, rule, schedule and service roles', () => {
    // Assess
    const types = Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
    expect(types).toMatchObject({
      DataBucket: 'AWS::S3::Bucket',
      ArtifactBucket: 'AWS::S3::Bucket',
      DataBucketPolicy: 'AWS::S3::BucketPolicy',
      ArtifactBucketPolicy: 'AWS::S3::BucketPolicy',
      TrainingStateMachine: 'AWS::StepFunctions::StateMachine',
      ScoringStateMachine: 'AWS::StepFunctions::StateMachine',
      EmrApplication: 'AWS::EMRServerless::Application',
      IncomingObjectRule: 'AWS::Events::Rule',
      IncomingObjectRulePermission: 'AWS::Lambda::Permission',
      ScoringSchedule: 'AWS::Scheduler::Schedule',
      SageMakerExecutionRole: 'AWS::IAM::Role',
      EmrJobRole: 'AWS::IAM::Role',
      TrainingStateMachineRole: 'AWS::IAM::Role',
      ScoringStateMachineRole: 'AWS::IAM::Role',
    });
    const emr = resource('EmrApplication').Properties;
    expect(emr).toMatchObject({ Type: 'SPARK', AutoStopConfiguration: { Enabled: true } });
    expect(String(emr?.ReleaseLabel)).toMatch(/^emr-7\./);
  });

  it('deploys every function on nodejs22.x arm64 with its own role, memory, timeout and environment', () => {
    // Prepare
    const functions = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    const roles = new Set<string>();

    // Assess
    expect(functions.map(([, r]) => r.Properties?.FunctionName).sort()).toEqual(
      FUNCTIONS.map((fn) => `sparkmaker-dev-${fn}`).sort(),
    );
    for (const [id, fn] of functions) {
      const props = fn.Properties ?? {};
      expect(props.Runtime, id).toBe('nodejs22.x');
      expect(props.Architectures, id).toEqual(['arm64']);
      expect(props.MemorySize, id).toBeGreaterThanOrEqual(128);
      expect(props.Timeout, id).toBeGreaterThan(0);
      expect(props.Environment, id).toMatchObject({ Variables: { DATA_BUCKET: { Ref: 'DataBucket' } } });
      const role = (props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
      expect(template.Resources[role]?.Type, id).toBe('AWS::IAM::Role');
      roles.add(role);
    }
    expect(roles.size).toBe(FUNCTIONS.length);
    expect(resource('S3DashtriggerLambdaFunction').Properties?.Environment).toMatchObject({
      Variables: { TRAINING_STATE_MACHINE_ARN: { Ref: 'TrainingStateMachine' } },
    });
  });

  it('grants no wildcard actions and passes roles only to SageMaker and EMR Serverless', () => {
    // Prepare
    const allows = statements().filter(({ statement }) => statement.Effect === 'Allow');
    const passRoles = allows.filter(({ statement }) => actions(statement).includes('iam:PassRole'));

    // Act
    const wildcards = allows
      .flatMap(({ where, statement }) => actions(statement).map((action) => ({ where, action })))
      .filter(({ action }) => action === '*' || /^[a-z0-9-]+:\*$/i.test(action));
    const notActions = allows.filter(({ statement }) => statement.NotAction !== undefined);

    // Assess
    expect(allows.length).toBeGreaterThan(20);
    expect(wildcards).toEqual([]);
    expect(notActions).toEqual([]);
    // One statement per role and service pair: both workflows pass both roles (scoring passes the
    // SageMaker one to create an endpoint's model in endpoint mode).
    const SERVICE: Record<string, string> = {
      SageMakerExecutionRole: 'sagemaker.amazonaws.com',
      EmrJobRole: 'emr-serverless.amazonaws.com',
    };
    expect(passRoles.map(({ where }) => where).sort()).toEqual([
      'ScoringStateMachineRole',
      'ScoringStateMachineRole',
      'TrainingStateMachineRole',
      'TrainingStateMachineRole',
    ]);
    for (const { where, statement } of passRoles) {
      const resources = asArray(statement.Resource);
      expect(resources, where).toHaveLength(1);
      const role = getAttTarget(resources[0] as Json) as string;
      expect(Object.keys(SERVICE), where).toContain(role);
      expect(statement.Condition, where).toEqual({ StringEquals: { 'iam:PassedToService': SERVICE[role] } });
    }
  });

  it('allows each function every AWS API call its bundled code makes', async () => {
    // Prepare
    const ours = sdkCommandsInSources();
    const bundles = await build({
      entryPoints: Object.fromEntries(
        FUNCTIONS.map((fn) => [fn, path.join(serviceDir, 'functions', `${fn}.ts`)]),
      ),
      bundle: true,
      write: false,
      outdir: path.join(tmpdir(), 'sparkmaker-iam-check'),
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const missing: string[] = [];
    let checked = 0;

    // Act
    for (const output of bundles.outputFiles) {
      const fn = path.basename(output.path, '.js');
      const role = getAttTarget(
        resource(`${logicalName(fn)}LambdaFunction`).Properties?.Role as Json,
      ) as string;
      const allowed = new Set(
        statements()
          .filter(({ where, statement }) => where === role && statement.Effect === 'Allow')
          .flatMap(({ statement }) => actions(statement)),
      );
      const commands = new Set([...output.text.matchAll(/new (\w+Command)\(/g)].map((m) => m[1] as string));
      for (const command of [...commands].filter((c) => ours.has(c))) {
        const needed = IAM_ACTIONS[command];
        if (!needed) {
          missing.push(`${fn}: no IAM mapping for ${command} (add it to IAM_ACTIONS)`);
          continue;
        }
        for (const action of needed) {
          checked += 1;
          if (!allowed.has(action)) missing.push(`${fn} (${role}): ${command} needs ${action}`);
        }
      }
    }

    // Assess
    expect(checked).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });

  it('scopes resources: only actions without resource-level permissions use Resource "*"', () => {
    // Prepare
    const resourceless = new Set([
      'ecr:GetAuthorizationToken',
      'cloudwatch:PutMetricData',
      'sagemaker:ListModelPackages',
      'sagemaker:ListEndpoints',
      'sagemaker:ListEndpointConfigs',
      'sagemaker:ListModels',
      // CloudWatch Logs delivery for state-machine logging, and X-Ray tracing
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]);

    // Act
    const starred = statements()
      .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
      .flatMap(({ where, statement }) => actions(statement).map((action) => `${where}: ${action}`))
      .filter((entry) => !resourceless.has(entry.split(': ')[1] as string));

    // Assess
    expect(starred).toEqual([]);
  });

  it('lets both state machines run their Distributed Map children and the .sync rules', () => {
    // Prepare
    const scoring = policyText('ScoringStateMachineRole');
    const training = policyText('TrainingStateMachineRole');

    // Assess
    expect(scoring).toMatch(
      /"Action":"states:StartExecution","Resource":\{"Fn::Sub":"[^"]*stateMachine:sparkmaker-dev-scoring"/,
    );
    expect(scoring).toContain('states:DescribeExecution');
    expect(scoring).toContain('states:StopExecution');
    expect(scoring).toContain('execution:sparkmaker-dev-scoring/*');
    expect(training).toMatch(
      /"Action":"states:StartExecution","Resource":\{"Fn::Sub":"[^"]*stateMachine:sparkmaker-dev-training"/,
    );
    expect(training).toContain('execution:sparkmaker-dev-training/*');
    // The failed-Map path (map-failure) lists and reads only the Map's result files.
    expect(policyText('MapFailureRole')).toContain(
      '"Action":"s3:ListBucket","Resource":{"Fn::GetAtt":["ArtifactBucket","Arn"]},"Condition":{"StringLike":{"s3:prefix":"map-results/*"}}',
    );
    expect(training).not.toContain('states:RedriveExecution');
    // Recovery is a new run: a caught failure ends in Fail, so nothing is ever redriven.
    expect(scoring).not.toContain('states:RedriveExecution');
    expect(scoring).toContain('rule/StepFunctionsGetEventsForEMRServerlessJobRule');
    expect(training).toContain('rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule');
    expect(training).toContain('rule/StepFunctionsGetEventsForSageMakerTransformJobsRule');
    for (const text of [scoring, training]) {
      expect(text).toContain('events:PutTargets');
      expect(text).toContain('events:PutRule');
      expect(text).toContain('events:DescribeRule');
      expect(text).toContain('events:PutEvents');
    }
  });

  it('locks every bucket down: encryption, no public access, TLS only', () => {
    // Prepare
    const buckets = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
    const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy');

    // Assess
    expect(buckets.length).toBe(3);
    for (const [id, bucket] of buckets) {
      const props = bucket.Properties ?? {};
      expect(props.BucketEncryption, id).toMatchObject({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(props.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }),
      );
      expect(policy, `${id} policy`).toBeDefined();
      const document = policy?.Properties?.PolicyDocument as unknown as
        | { Statement: Statement[] }
        | undefined;
      const denies = (document?.Statement ?? []).filter(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      );
      expect(denies.length, id).toBe(1);
      const condition = denies[0]?.Condition as { Bool: Record<string, unknown> } | undefined;
      expect(String(condition?.Bool['aws:SecureTransport'])).toBe('false');
    }
    for (const id of ['DataBucket', 'ArtifactBucket']) {
      expect(resource(id).Properties).toMatchObject({
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
  });

  it('wires S3 Object Created under incoming/ to the s3-trigger function', () => {
    // Prepare
    const rule = resource('IncomingObjectRule').Properties ?? {};
    const permission = resource('IncomingObjectRulePermission').Properties ?? {};

    // Assess
    expect(rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'DataBucket' }] }, object: { key: [{ prefix: 'incoming/' }] } },
    });
    expect(rule.Targets).toMatchObject([{ Arn: { 'Fn::GetAtt': ['S3DashtriggerLambdaFunction', 'Arn'] } }]);
    expect(permission).toMatchObject({
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': ['S3DashtriggerLambdaFunction', 'Arn'] },
      SourceArn: { 'Fn::GetAtt': ['IncomingObjectRule', 'Arn'] },
    });
  });

  it('keeps upload events that start no run in an encrypted, TLS-only dead-letter queue', () => {
    // Prepare
    const rule = resource('IncomingObjectRule').Properties ?? {};
    const queue = resource('IncomingEventsDeadLetterQueue');
    const queuePolicy = resource('IncomingEventsDeadLetterQueuePolicy').Properties ?? {};
    const invokeConfig = resource('S3TriggerEventInvokeConfig').Properties ?? {};
    const queueArn = { 'Fn::GetAtt': ['IncomingEventsDeadLetterQueue', 'Arn'] };
    const statementsOfQueue = (queuePolicy.PolicyDocument as unknown as { Statement: Statement[] }).Statement;

    // Act
    const allows = statementsOfQueue.filter((s) => s.Effect === 'Allow');
    const tlsDenies = statementsOfQueue.filter(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
    );
    const triggerSends = statements().filter(
      ({ where, statement }) => where === 'S3TriggerRole' && actions(statement).includes('sqs:SendMessage'),
    );

    // Assess
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
    expect(rule.Targets).toMatchObject([{ DeadLetterConfig: { Arn: queueArn } }]);
    expect(invokeConfig).toMatchObject({
      FunctionName: { Ref: 'S3DashtriggerLambdaFunction' },
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['IncomingObjectRule', 'Arn'] } } },
    });
    expect(tlsDenies).toHaveLength(1);
    expect(triggerSends.map(({ statement }) => statement.Resource)).toEqual([queueArn]);
  });

  it('scopes every S3 write and delete to the prefixes the role writes, never incoming/', () => {
    // Prepare
    const expected: Record<string, string[]> = {
      EmrJobRole: [
        'ArtifactBucket/emr-logs/',
        'ArtifactBucket/models/*/feature-spec.json',
        'DataBucket/features/',
        'DataBucket/quarantine/features/',
      ],
      SageMakerExecutionRole: ['ArtifactBucket/models/', 'DataBucket/transform/'],
      PlanConversionRole: ['ArtifactBucket/runs/', 'DataBucket/training/'],
      ConvertRole: ['DataBucket/quarantine/', 'DataBucket/training/'],
      EvaluateRole: ['ArtifactBucket/runs/'],
      PlanShardsRole: ['ArtifactBucket/runs/'],
      ScoreShardRole: ['DataBucket/scores/'],
      InvokeShardRole: ['DataBucket/scores/'],
      CommitScoresRole: ['DataBucket/scores/'],
      ScoringStateMachineRole: ['ArtifactBucket/map-results/'],
      TrainingStateMachineRole: ['ArtifactBucket/map-results/'],
      ValidateInputRole: ['ArtifactBucket/runs/*/feature-plan.json'],
    };
    const writes = new Set(['s3:PutObject', 's3:DeleteObject']);
    const prefixOf = (value: Json): string => {
      const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
      const text = typeof sub === 'string' ? sub : JSON.stringify(value);
      return text.replace(/^\$\{(\w+)\.Arn\}\//, '$1/').replace(/\*$/, '');
    };

    // Act
    const actual: Record<string, string[]> = {};
    for (const { where, statement } of statements()) {
      if (statement.Effect !== 'Allow' || !actions(statement).some((a) => writes.has(a))) continue;
      const prefixes = new Set([...(actual[where] ?? []), ...asArray(statement.Resource).map(prefixOf)]);
      actual[where] = [...prefixes].sort();
    }

    // Assess
    expect(actual).toEqual(expected);
  });

  it('schedules scoring runs through schedule-trigger, named from the scheduled time, nothing to score allowed', () => {
    // Prepare
    const target = (resource('ScoringSchedule').Properties?.Target ?? {}) as Record<string, Json>;
    const [body, values] = (target.Input as { 'Fn::Sub': [string, Record<string, Json>] })['Fn::Sub'];
    const filled = body.replace(/\$\{(\w+)\}/g, (_, name: string) =>
      typeof values[name] === 'string' ? (values[name] as string) : `resolved-${name}`,
    );

    // Act
    const request = JSON.parse(filled) as { scheduledTime: string; input: Record<string, unknown> };

    // Assess
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['ScheduleDashtriggerLambdaFunction', 'Arn'] });
    expect(request.scheduledTime).toBe('<aws.scheduler.scheduled-time>');
    expect(request.input).toMatchObject({
      input: { format: 'csv' },
      featureJob: true,
      onNothingToScore: 'succeed',
    });
    expect(policyText('SchedulerRole')).toContain('"Action":"lambda:InvokeFunction"');
    expect(policyText('SchedulerRole')).not.toContain('states:StartExecution');
    expect(policyText('ScheduleTriggerRole')).toContain(
      '"Action":"states:StartExecution","Resource":{"Ref":"ScoringStateMachine"}',
    );
  });

  it('logs both state machines at the configured level without execution data, tracing off by default', () => {
    for (const id of ['TrainingStateMachine', 'ScoringStateMachine']) {
      const props = resource(id).Properties ?? {};
      expect(props.LoggingConfiguration, id).toMatchObject({
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['StateMachineLogGroup', 'Arn'] } } },
        ],
      });
      expect(props.TracingConfiguration, id).toEqual({ Enabled: false });
    }
  });

  it('loads both state machines from the ASL files with every placeholder substituted', () => {
    for (const [id, file] of [
      ['TrainingStateMachine', 'training'],
      ['ScoringStateMachine', 'scoring'],
    ] as const) {
      // Prepare
      const props = resource(id).Properties ?? {};
      const definition = JSON.parse(props.DefinitionString as string) as { States: Record<string, unknown> };
      const source = JSON.parse(
        readFileSync(path.join(repoRoot, 'statemachines', `${file}.asl.json`), 'utf8'),
      );

      // Act
      const used = [...(props.DefinitionString as string).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);

      // Assess
      expect(Object.keys(definition.States)).toEqual(Object.keys(source.States));
      expect(used.length).toBeGreaterThan(3);
      for (const name of used)
        expect(props.DefinitionSubstitutions, `${id} ${name}`).toHaveProperty(name as string);
      expect(props.RoleArn).toEqual({ 'Fn::GetAtt': [`${id}Role`, 'Arn'] });
    }
  });

  it('has only properties that the CloudFormation resource specification defines, with the right shapes', async () => {
    // Prepare
    const db = await loadAwsServiceSpec();
    const problems: string[] = [];

    // Act
    for (const [id, res] of Object.entries(template.Resources)) {
      const spec = db.lookup('resource', 'cloudFormationType', 'equals', res.Type);
      if (spec.length !== 1) {
        problems.push(`${id}: unknown resource type ${res.Type}`);
        continue;
      }
      checkProperties(db, spec.only().properties, res.Properties ?? {}, id, problems);
    }

    // Assess
    expect(Object.keys(template.Resources).length).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  it('would catch a misspelt property in the resource specification check', async () => {
    // Prepare
    const db = await loadAwsServiceSpec();
    const spec = db.lookup('resource', 'cloudFormationType', 'equals', 'AWS::S3::Bucket').only();
    const problems: string[] = [];
    const misspelt = {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefualt: {} }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: 'yes' },
    };

    // Act
    checkProperties(db, spec.properties, misspelt, 'Bucket', problems);

    // Assess
    expect(problems).toEqual([
      'Bucket.BucketEncryption.ServerSideEncryptionConfiguration[0]: unknown property ServerSideEncryptionByDefualt',
      'Bucket.PublicAccessBlockConfiguration.BlockPublicAcls: expected boolean, got "yes"',
    ]);
  });
});

describe('npm run build (scripts/build.mjs)', () => {
  it('bundles a function into one ESM file that imports in a fresh Node process', async () => {
    // Prepare
    const outdir = mkdtempSync(path.join(tmpdir(), 'sparkmaker-build-'));
    const { buildFunctions } = (await import(path.join(repoRoot, 'scripts/build.mjs'))) as {
      buildFunctions(options: {
        names: string[];
        outdir: string;
      }): Promise<Record<string, { bytes: number }>>;
    };

    try {
      // Act
      const sizes = await buildFunctions({ names: ['validate-input'], outdir });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(path.join(outdir, 'validate-input.mjs'))}); console.log(typeof m.handler);`,
        ],
        { env: { PATH: process.env.PATH, DATA_BUCKET: 'd', ARTIFACT_BUCKET: 'a', AWS_REGION: 'us-east-1' } },
      );

      // Assess
      expect(sizes['validate-input']?.bytes).toBeGreaterThan(1000);
      expect(stdout.trim()).toBe('function');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

/** The IAM actions each AWS SDK command the handlers send needs (HeadObject needs s3:GetObject). */
const IAM_ACTIONS: Record<string, string[]> = {
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  CreateMultipartUploadCommand: ['s3:PutObject'],
  UploadPartCommand: ['s3:PutObject'],
  CompleteMultipartUploadCommand: ['s3:PutObject'],
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  DeleteObjectsCommand: ['s3:DeleteObject'],
  CopyObjectCommand: ['s3:GetObject', 's3:PutObject'],
  ListObjectsV2Command: ['s3:ListBucket'],
  StartExecutionCommand: ['states:StartExecution'],
  DescribeExecutionCommand: ['states:DescribeExecution'],
  CreateModelPackageCommand: ['sagemaker:CreateModelPackage'],
  CreateModelPackageGroupCommand: ['sagemaker:CreateModelPackageGroup'],
  DescribeModelPackageCommand: ['sagemaker:DescribeModelPackage'],
  DescribeModelPackageGroupCommand: ['sagemaker:DescribeModelPackageGroup'],
  ListModelPackagesCommand: ['sagemaker:ListModelPackages'],
  UpdateModelPackageCommand: ['sagemaker:UpdateModelPackage'],
  AddTagsCommand: ['sagemaker:AddTags'],
  PutEventsCommand: ['events:PutEvents'],
  InvokeEndpointCommand: ['sagemaker:InvokeEndpoint'],
  ListEndpointsCommand: ['sagemaker:ListEndpoints'],
  ListEndpointConfigsCommand: ['sagemaker:ListEndpointConfigs'],
  ListModelsCommand: ['sagemaker:ListModels'],
  ListTagsCommand: ['sagemaker:ListTags'],
  DeleteEndpointCommand: ['sagemaker:DeleteEndpoint'],
  DeleteEndpointConfigCommand: ['sagemaker:DeleteEndpointConfig'],
  DeleteModelCommand: ['sagemaker:DeleteModel'],
};

/** `XCommand` names constructed in functions/ and shared/ (our calls, not the SDK's own). */
function sdkCommandsInSources(): Set<string> {
  const found = new Set<string>();
  for (const dir of ['functions', 'shared']) {
    for (const file of readdirSync(path.join(serviceDir, dir), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(path.join(serviceDir, dir, file), 'utf8');
      for (const match of text.matchAll(/new (\w+Command)\(/g)) found.add(match[1] as string);
    }
  }
  return found;
}

/** osls's normalised function name: `plan-shards` → `PlanDashshards`. */
function logicalName(fn: string): string {
  const normalised = fn.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalised.charAt(0).toUpperCase() + normalised.slice(1);
}

function resource(id: string): Resource {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
}

function asArray(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function actions(statement: Statement): string[] {
  return asArray(statement.Action as Json).map(String);
}

function getAttTarget(value: Json): string | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value['Fn::GetAtt'])) {
    return value['Fn::GetAtt'][0] as string;
  }
  return undefined;
}

/** Every IAM policy statement in the template, with the resource it belongs to. */
function statements(): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  for (const [id, res] of Object.entries(template.Resources)) {
    const props = res.Properties ?? {};
    const documents: Json[] = [];
    if (res.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(props.Policies))
        documents.push((policy as { PolicyDocument: Json }).PolicyDocument);
    }
    if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(props.PolicyDocument as Json);
    }
    for (const document of documents) {
      for (const entry of asArray((document as { Statement: Json }).Statement)) {
        // A statement under Fn::If [condition, statement, AWS::NoValue] counts as if granted.
        const conditional = (entry as { 'Fn::If'?: Json[] })['Fn::If'];
        const statement = Array.isArray(conditional) ? conditional[1] : entry;
        found.push({ where: id, statement: statement as unknown as Statement });
      }
    }
  }
  return found;
}

function policyText(roleId: string): string {
  return JSON.stringify(resource(roleId).Properties?.Policies);
}

// ---------------------------------------------------------------------------------------------
// A small checker of template values against the resource specification's property types.

type SpecDb = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
interface SpecProperty {
  type: SpecType;
  previousTypes?: SpecType[];
  required?: boolean;
}
type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'tag' | 'null' }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] }
  | { type: 'ref'; reference: { $ref: string } };

const INTRINSICS = /^(Ref|Fn::[A-Za-z0-9]+|Condition)$/;

function isIntrinsic(value: Json): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.test(keys[0] as string);
}

function checkProperties(
  db: SpecDb,
  spec: Record<string, SpecProperty>,
  value: Record<string, Json>,
  where: string,
  problems: string[],
): void {
  for (const [name, property] of Object.entries(spec)) {
    if (property.required && value[name] === undefined)
      problems.push(`${where}: missing required property ${name}`);
  }
  for (const [name, child] of Object.entries(value)) {
    const property = spec[name];
    if (!property) {
      problems.push(`${where}: unknown property ${name}`);
      continue;
    }
    const candidates = [property.type, ...(property.previousTypes ?? [])];
    const attempts = candidates.map((type) => {
      const found: string[] = [];
      checkValue(db, type, child, `${where}.${name}`, found);
      return found;
    });
    if (!attempts.some((found) => found.length === 0)) problems.push(...(attempts[0] as string[]));
  }
}

function checkValue(db: SpecDb, type: SpecType, value: Json, where: string, problems: string[]): void {
  if (isIntrinsic(value)) return;
  const got = JSON.stringify(value);
  switch (type.type) {
    case 'json':
      return;
    case 'string':
    case 'date-time':
      if (typeof value !== 'string' && typeof value !== 'number')
        problems.push(`${where}: expected string, got ${got}`);
      return;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) {
        problems.push(`${where}: expected ${type.type}, got ${got}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') {
        problems.push(`${where}: expected boolean, got ${got}`);
      }
      return;
    case 'null':
      if (value !== null) problems.push(`${where}: expected null, got ${got}`);
      return;
    case 'tag':
      checkTag(value, where, problems);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${where}: expected a list, got ${got}`);
        return;
      }
      value.forEach((item, index) => {
        checkValue(db, type.element, item, `${where}[${index}]`, problems);
      });
      return;
    case 'map':
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${where}: expected a map, got ${got}`);
        return;
      }
      for (const [key, item] of Object.entries(value))
        checkValue(db, type.element, item, `${where}.${key}`, problems);
      return;
    case 'union': {
      const attempts = type.types.map((member) => {
        const found: string[] = [];
        checkValue(db, member, value, where, found);
        return found;
      });
      if (!attempts.some((found) => found.length === 0)) problems.push(...(attempts[0] as string[]));
      return;
    }
    case 'ref': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${where}: expected an object, got ${got}`);
        return;
      }
      const definition = db.get('typeDefinition', type.reference.$ref) as unknown as {
        properties: Record<string, SpecProperty>;
      };
      checkProperties(db, definition.properties, value, where, problems);
      return;
    }
  }
}

function checkTag(value: Json, where: string, problems: string[]): void {
  if (
    !value ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !('Key' in value) ||
    !('Value' in value)
  ) {
    problems.push(`${where}: expected a {Key, Value} tag, got ${JSON.stringify(value)}`);
  }
}
