/**
 * Image URIs of the built-in KMeans, PCA and Linear Learner (SPEC §11.5): one ECR account per
 * region for all three, `<account>.dkr.ecr.<region>.amazonaws.com/<name>:1` (`.com.cn` in China).
 */
import { InputValidationError } from '../errors';

/** The registry account of the 1P algorithms per region (sagemaker-python-sdk `image_uri_config`). */
export const ALGORITHM_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '382416733822',
  'us-east-2': '404615174143',
  'us-west-1': '632365934929',
  'us-west-2': '174872318107',
  'ca-central-1': '469771592824',
  'ca-west-1': '190319476487',
  'sa-east-1': '855470959533',
  'eu-west-1': '438346466558',
  'eu-west-2': '644912444149',
  'eu-west-3': '749696950732',
  'eu-central-1': '664544806723',
  'eu-central-2': '680994064768',
  'eu-north-1': '669576153137',
  'eu-south-1': '257386234256',
  'eu-south-2': '104374241257',
  'ap-northeast-1': '351501993468',
  'ap-northeast-2': '835164637446',
  'ap-northeast-3': '867004704886',
  'ap-southeast-1': '475088953585',
  'ap-southeast-2': '712309505854',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ap-south-1': '991648021394',
  'ap-south-2': '628508329040',
  'ap-east-1': '286214385809',
  'af-south-1': '455444449433',
  'me-south-1': '249704162688',
  'me-central-1': '272398656194',
  'il-central-1': '898809789911',
  'us-gov-west-1': '226302683700',
  'us-gov-east-1': '237065988967',
  'cn-north-1': '390948362332',
  'cn-northwest-1': '387376663083',
};

/**
 * The image URI of a 1P algorithm (`kmeans`, `pca`, `linear-learner`) in a region.
 *
 * @throws {InputValidationError} for a region without the algorithm.
 * @example
 * algorithmImage('kmeans', 'eu-west-1'); // '438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1'
 */
export function algorithmImage(name: string, region: string): string {
  const account = ALGORITHM_IMAGE_ACCOUNTS[region];
  if (account === undefined) {
    throw new InputValidationError(
      `the built-in ${name} algorithm has no image in region '${region}' (known: ${Object.keys(ALGORITHM_IMAGE_ACCOUNTS).join(', ')})`,
      'region',
    );
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${domain}/${name}:1`;
}

/** Whether `image` is the repository `name` (any registry, any tag): `…/kmeans:1`, `kmeans`. */
export function imageRepositoryIs(image: string, name: string): boolean {
  const repo = image.slice(image.lastIndexOf('/') + 1).split(/[:@]/)[0] ?? '';
  return repo === name;
}
