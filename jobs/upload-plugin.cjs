'use strict';
/**
 * A local osls plugin that uploads the Spark feature job (jobs/features/main.py and features.sql)
 * to `s3://<artifact bucket>/jobs/features/` after every `osls deploy`, so the EMR Serverless
 * entry point always matches the deployed state machines. `osls package` never touches AWS: the
 * hook only runs on deploy. Files are listed in FILES; the bucket comes from the stack's
 * `ArtifactBucket` resource.
 */
const { readFile } = require('node:fs/promises');
const path = require('node:path');

const FILES = ['main.py', 'features.sql'];
const PREFIX = 'jobs/features/';

class UploadFeatureJobPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log ?? { notice: console.log, verbose: () => {} };
    this.hooks = {
      'after:deploy:deploy': () => this.upload(),
    };
  }

  /** Uploads FILES; `s3` replaces the S3 client (tests). */
  async upload(s3Override) {
    const provider = this.serverless.getProvider('aws');
    const { DescribeStackResourceCommand } = require('@aws-sdk/client-cloudformation');
    const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
    const cloudFormation = await provider.getCloudFormationClient();
    const resource = await cloudFormation.send(
      new DescribeStackResourceCommand({
        StackName: provider.naming.getStackName(),
        LogicalResourceId: 'ArtifactBucket',
      }),
    );
    const bucket = resource.StackResourceDetail.PhysicalResourceId;
    const s3 =
      s3Override ??
      new S3Client({
        region: provider.getRegion(),
        credentials: provider.getAwsSdkV3CredentialsProvider(),
      });
    const root = path.join(this.serverless.serviceDir, 'jobs', 'features');
    for (const file of FILES) {
      const body = await readFile(path.join(root, file));
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${PREFIX}${file}`,
          Body: body,
          ServerSideEncryption: 'AES256',
        }),
      );
      this.log.notice(`Uploaded jobs/features/${file} to s3://${bucket}/${PREFIX}${file}`);
    }
  }
}

module.exports = UploadFeatureJobPlugin;
module.exports.FILES = FILES;
module.exports.PREFIX = PREFIX;
