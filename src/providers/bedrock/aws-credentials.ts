/**
 * AWS credentials and region for a Bedrock provider, from where the AWS CLI and SDKs look:
 * 1. `options.profile` set: that profile of the shared files;
 * 2. else `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) in the environment;
 * 3. else the profile `AWS_PROFILE` (default `default`) of the shared files.
 * The shared files are `~/.aws/credentials` and `~/.aws/config` (`[profile name]` sections), moved
 * by `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`; the credentials file wins for keys, as in
 * the SDKs (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html ,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html). They are parsed
 * by the SDK's own loader (`@smithy/core/config`). Region: `options.region`, `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, then the profile's `region`.
 *
 * Profiles that get keys some other way (role_arn, credential_process, sso_session) are reported
 * as unsupported rather than silently skipped. Values are never put in a message.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadSharedConfigFiles } from './smithy.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsIdentity {
  credentials: AwsCredentials;
  region: string;
  /** Where the keys came from, for messages: `environment` or `profile "name"`. */
  source: string;
}

/** Why credentials or a region could not be found; the message says what to set, never a value. */
export class AwsCredentialsError extends Error {
  override readonly name = 'AwsCredentialsError';
}

export interface IdentityWanted {
  profile?: string;
  region?: string;
}

const UNSUPPORTED_PROFILE_KEYS = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'];

export async function loadAwsIdentity(wanted: IdentityWanted, env: NodeJS.ProcessEnv = process.env): Promise<AwsIdentity> {
  let credentials: AwsCredentials | undefined;
  let source = 'environment';
  let profileRegion: string | undefined;
  const envKeys = !wanted.profile && nonEmpty(env.AWS_ACCESS_KEY_ID) && nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (envKeys) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    if (nonEmpty(env.AWS_SESSION_TOKEN)) credentials.sessionToken = env.AWS_SESSION_TOKEN;
  }
  // The profile is read even with environment keys when no region is given anywhere else.
  const needProfile = !credentials || !(wanted.region || nonEmpty(env.AWS_REGION) || nonEmpty(env.AWS_DEFAULT_REGION));
  if (needProfile) {
    const name = wanted.profile ?? (nonEmpty(env.AWS_PROFILE) ? env.AWS_PROFILE! : 'default');
    const home = env.HOME || env.USERPROFILE || homedir();
    const files = await loadSharedConfigFiles({
      filepath: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
      configFilepath: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
      ignoreCache: true,
    });
    const fromConfig = files.configFile[name] ?? {};
    const fromCredentials = files.credentialsFile[name] ?? {};
    const profile: Record<string, string | undefined> = { ...fromConfig, ...fromCredentials };
    profileRegion = profile.region;
    if (!credentials) {
      source = `profile "${name}"`;
      const id = profile.aws_access_key_id;
      const secret = profile.aws_secret_access_key;
      if (nonEmpty(id) && nonEmpty(secret)) {
        credentials = { accessKeyId: id, secretAccessKey: secret };
        if (nonEmpty(profile.aws_session_token)) credentials.sessionToken = profile.aws_session_token;
      } else {
        const other = UNSUPPORTED_PROFILE_KEYS.find((k) => profile[k] !== undefined);
        if (other) {
          throw new AwsCredentialsError(
            `AWS profile "${name}" gets its keys through ${other}, which Meridian does not run; export temporary keys ` +
              '(aws configure export-credentials --format env) or use a profile with aws_access_key_id/aws_secret_access_key.',
          );
        }
        const known = name in files.credentialsFile || name in files.configFile;
        throw new AwsCredentialsError(
          known
            ? `AWS profile "${name}" has no aws_access_key_id/aws_secret_access_key.`
            : `No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile "${name}" in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials).`,
        );
      }
    }
  }
  const region = wanted.region || firstNonEmpty(env.AWS_REGION, env.AWS_DEFAULT_REGION) || profileRegion;
  if (!region) {
    throw new AwsCredentialsError('No AWS region: set providers[].options.region, AWS_REGION, or region in the profile of ~/.aws/config.');
  }
  return { credentials: credentials!, region, source };
}

function nonEmpty(v: string | undefined): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function firstNonEmpty(...values: Array<string | undefined>): string | undefined {
  return values.find(nonEmpty);
}
