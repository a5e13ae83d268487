// The Cribl Stream worker group: launch template, Auto Scaling group with its termination lifecycle hook, instance
// profile, and the SSM Command documents the drain workflow runs on the workers.
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { AutoscalingLifecycleHook } from "@cdktf/provider-aws/lib/autoscaling-lifecycle-hook";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { DataAwsSubnets } from "@cdktf/provider-aws/lib/data-aws-subnets";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate, type LaunchTemplateBlockDeviceMappings } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { DEFAULT_SERVICE_NAME } from "../../contracts/queue-probe";
import { type ArnScope, arns } from "../common/arns";
import { type DenyExceptStatement, type PolicyStatement, renderPolicy, serviceTrustPolicy } from "../common/policy";
import { ConfigError } from "../common/schema";
import { terraformLiteral } from "../common/terraform";
import { gracefulStopDocument, queueProbeDocument } from "./queue-probe";
import { GROUP_TAG_KEY } from "./tags";
import { renderUserData } from "./user-data";

/** Device name of the dedicated queue volume in the launch template (AL2023's udev rules link it to the NVMe device). */
export const QUEUE_DEVICE_NAME = "/dev/sdf";

/** The dedicated queue volume (encrypted, deleted with the instance after the drain). */
export interface QueueVolumeProps {
  /** Volume size, GiB. */
  readonly sizeGiB: number;
  /** EBS volume type. */
  readonly type: "gp3" | "gp2" | "io1" | "io2";
  /** Provisioned IOPS. @default the type's baseline */
  readonly iops?: number;
  /** gp3 throughput, MiB/s. @default the type's baseline (125) */
  readonly throughputMiBps?: number;
  /** Where the volume is mounted; every queue directory is at or below it. */
  readonly mountPath: string;
}

/**
 * The worker group. Values arrive validated and with their defaults filled in by whoever builds the construct (the
 * worker-fleet stack maps them from the configuration, where each default is written once); the optional props here
 * are the ones whose absence means something.
 */
export interface WorkerFleetProps {
  /** Prefix of every resource name. */
  readonly namePrefix: string;
  /** Auto Scaling group name. */
  readonly groupName: string;
  /** Where ARNs point (account id may be a Terraform reference). */
  readonly scope: ArnScope;
  /** AMI id (`ami-...`) or the name of an SSM parameter holding one (resolved at plan). */
  readonly amiId: string;
  /** EC2 instance type of the workers. */
  readonly instanceType: string;
  /** EC2 key pair. @default none (SSM Session Manager gives shell access) */
  readonly instanceKeyPair?: string;
  /**
   * Security groups of the workers. Required unless `emulated`.
   * @default in emulator mode only: one group created for the workers, egress only
   */
  readonly securityGroupIds?: readonly string[];
  /**
   * The directory every queue directory sits at or below. The probe document accepts no other directory, so whoever may
   * send it cannot make it walk anything else (the probe runs as root).
   */
  readonly queueRoot: string;
  /**
   * Subnets of the group; workers never get a public IP, so these are private subnets with a route to the leader, SSM
   * and the destinations. Required unless `emulated`.
   * @default in emulator mode only: the default VPC's default subnets
   */
  readonly subnetIds?: readonly string[];
  /** Smallest number of workers in the group. */
  readonly minSize: number;
  /** Largest number of workers in the group. */
  readonly maxSize: number;
  /** Workers the group starts with, from minSize to maxSize. */
  readonly desiredCapacity: number;
  /** Load balancer target groups the workers register with (health checks then use ELB when any). */
  readonly targetGroupArns: readonly string[];
  /** Name of the termination lifecycle hook. */
  readonly lifecycleHookName: string;
  /** Lifecycle hook heartbeat timeout, seconds. */
  readonly heartbeatTimeoutSeconds: number;
  /** What Auto Scaling does when the hook times out. */
  readonly lifecycleHookDefaultResult: "CONTINUE" | "ABANDON";
  /** Host name or IP address of the Cribl leader. */
  readonly leaderHost: string;
  /** Port of the leader's worker endpoint. */
  readonly leaderPort: number;
  /** Whether the leader's worker endpoint speaks TLS. */
  readonly leaderTls: boolean;
  /** The Cribl worker group the workers join. */
  readonly workerGroup: string;
  /** NAME of the SSM SecureString holding the leader auth token (read at boot; never the token). */
  readonly leaderAuthTokenParameter: string;
  /** CMK of that SecureString. @default the AWS-managed `aws/ssm` key */
  readonly leaderAuthTokenKmsKeyArn?: string;
  /** The pinned Cribl release: full version, tarball SHA-256 and its https URL. */
  readonly cribl: {
    /** Full release id as in the tarball name, e.g. "4.9.3-25f2ed8e". */
    readonly version: string;
    /** SHA-256 (hex) of the tarball; boot refuses a tarball that does not match. */
    readonly sha256: string;
    /** https URL of the tarball for this architecture. */
    readonly downloadUrl: string;
  };
  /** Root volume size, GiB. */
  readonly rootVolumeSizeGiB: number;
  /** Root device name of the AMI (Amazon Linux 2023: /dev/xvda). */
  readonly rootDeviceName: string;
  /** A dedicated queue volume. @default none (queues stay on the root volume) */
  readonly queueVolume?: QueueVolumeProps;
  /** CMK for the EBS volumes. @default the account's default EBS key */
  readonly ebsKmsKeyArn?: string;
  /** Tags for instances and volumes (the provider's default_tags do not reach launch-template tag specifications). */
  readonly tags: Record<string, string>;
  /**
   * Emulator mode: moto reads back the lifecycle hook with hard-coded role and notification ARNs, and the launch
   * template with an extra tag specification; those attributes are ignored there (and only there) so a re-plan is
   * clean.
   */
  readonly emulated: boolean;
}

export interface WorkerFleetOutputs {
  /** Literal group name (known at synth), for IAM conditions and ARNs. */
  readonly groupName: string;
  /** The group's name (a Terraform reference). */
  readonly autoScalingGroupName: string;
  /** The group's ARN (a Terraform reference). */
  readonly autoScalingGroupArn: string;
  /** ARN pattern of the group for IAM (the real ARN embeds a UUID unknown at synth). */
  readonly autoScalingGroupArnPattern: string;
  /** The termination lifecycle hook's name (a Terraform reference). */
  readonly lifecycleHookName: string;
  /** The launch template's id (a Terraform reference). */
  readonly launchTemplateId: string;
  /** The instance role's name (a Terraform reference). */
  readonly instanceRoleName: string;
  /** Literal document names (known at synth), for IAM. */
  readonly documentNames: {
    /** `<namePrefix>-queue-probe`. */
    readonly queueProbe: string;
    /** `<namePrefix>-graceful-stop`. */
    readonly gracefulStop: string;
  };
  /** The queue-probe document's name (a Terraform reference: a user depends on the document). */
  readonly queueProbeDocumentName: string;
  /** The queue-probe document's ARN (a Terraform reference). */
  readonly queueProbeDocumentArn: string;
  /** The graceful-stop document's name (a Terraform reference: a user depends on the document). */
  readonly gracefulStopDocumentName: string;
  /** The graceful-stop document's ARN (a Terraform reference). */
  readonly gracefulStopDocumentArn: string;
}

export type { DenyExceptStatement } from "../common/policy";

export class WorkerFleet extends Construct {
  readonly outputs: WorkerFleetOutputs;
  /** The instance role's inline policy statements (reviewed and simulated in tests). */
  readonly instancePolicyStatements: (PolicyStatement | DenyExceptStatement)[];

  constructor(scope: Construct, id: string, props: WorkerFleetProps) {
    super(scope, id);
    const { namePrefix, groupName, scope: arnScope } = props;
    const c = props;
    // Fail closed: the default VPC's default subnets give every instance a public IP, so outside the emulator the
    // network is always named explicitly.
    if (!props.emulated) {
      const missing = (["subnetIds", "securityGroupIds"] as const).filter((k) => props[k] === undefined);
      if (missing.length > 0) {
        throw new ConfigError(
          missing.map((field) => ({
            field,
            message: "is required outside emulator mode (workers never use the default VPC)",
          })),
        );
      }
    }

    // Commands the drain runs on the workers: our own documents only (never AWS-RunShellScript).
    const probeDocument = new SsmDocument(this, "queue_probe_document", {
      name: `${namePrefix}-queue-probe`,
      documentType: "Command",
      documentFormat: "JSON",
      content: terraformLiteral(JSON.stringify(queueProbeDocument(props.queueRoot))),
    });
    const stopDocument = new SsmDocument(this, "graceful_stop_document", {
      name: `${namePrefix}-graceful-stop`,
      documentType: "Command",
      documentFormat: "JSON",
      content: terraformLiteral(JSON.stringify(gracefulStopDocument())),
    });

    // Network: the configured subnets, or in emulator mode the default VPC's default subnets.
    let subnetIds: string[];
    let vpcId: string;
    if (c.subnetIds) {
      subnetIds = [...c.subnetIds];
      vpcId = new DataAwsSubnet(this, "first_subnet", { id: c.subnetIds[0] }).vpcId;
    } else {
      const vpc = new DataAwsVpc(this, "default_vpc", { default: true });
      vpcId = vpc.id;
      subnetIds = new DataAwsSubnets(this, "default_subnets", {
        filter: [
          { name: "vpc-id", values: [vpc.id] },
          { name: "default-for-az", values: ["true"] },
        ],
      }).ids;
    }
    const securityGroupIds =
      (c.securityGroupIds ? [...c.securityGroupIds] : undefined) ??
      [
        new SecurityGroup(this, "security_group", {
          name: `${namePrefix}-cribl-workers`,
          description:
            "Cribl workers: outbound only (leader, destinations, SSM); add source ports with your own groups",
          vpcId,
          egress: [
            {
              description: "leader, destinations, SSM and the Cribl download",
              protocol: "-1",
              fromPort: 0,
              toPort: 0,
              cidrBlocks: ["0.0.0.0/0"],
              ipv6CidrBlocks: [],
              prefixListIds: [],
              securityGroups: [],
              selfAttribute: false,
            },
          ],
        }),
      ].map((g) => g.id);

    // Instance profile: SSM agent (Run Command for the probe, Session Manager), plus reading exactly the token.
    // AmazonSSMManagedInstanceCore stays attached, so the agent keeps exactly the actions AWS maintains for it (Run
    // Command, Session Manager, inventory), but it also allows ssm:GetParameter(s) on "*": every parameter of the
    // account, SecureStrings under the default aws/ssm key included. An explicit Deny takes that back: no parameter
    // read except the leader token, the only parameter the worker reads (cribl-join.service at boot, user-data.ts).
    // A Deny wins over every Allow, including a policy someone attaches to this role later; a worker that must read
    // another parameter needs it added to `readableParameters` here, visibly. (The other choice, copying the managed
    // policy's actions without the reads, would freeze the agent's permissions at today's list.)
    const role = new IamRole(this, "instance_role", {
      name: `${namePrefix}-cribl-worker`,
      assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
    });
    new IamRolePolicyAttachment(this, "instance_ssm_core", {
      role: role.name,
      policyArn: arns.awsManagedPolicy(arnScope.partition, "AmazonSSMManagedInstanceCore"),
    });
    const readableParameters = [arns.ssmParameter(arnScope, c.leaderAuthTokenParameter)];
    this.instancePolicyStatements = [
      {
        Sid: "ReadNoParameterButTheLeaderToken",
        Effect: "Deny",
        // GetParameter, GetParameters, GetParametersByPath, GetParameterHistory (and any later GetParameter* read).
        Action: "ssm:GetParameter*",
        NotResource: readableParameters,
      },
      {
        Sid: "ReadLeaderToken",
        Effect: "Allow",
        Action: "ssm:GetParameter",
        Resource: readableParameters,
      },
      ...(c.leaderAuthTokenKmsKeyArn
        ? [
            {
              Sid: "DecryptLeaderTokenViaSsm",
              Effect: "Allow" as const,
              Action: "kms:Decrypt",
              Resource: c.leaderAuthTokenKmsKeyArn,
              Condition: { StringEquals: { "kms:ViaService": `ssm.${arnScope.region}.amazonaws.com` } },
            },
          ]
        : []),
    ];
    new IamRolePolicy(this, "instance_policy", {
      name: "read-leader-token",
      role: role.id,
      policy: renderPolicy(this.instancePolicyStatements),
    });
    const profile = new IamInstanceProfile(this, "instance_profile", { name: role.name, role: role.name });

    const imageId = c.amiId.startsWith("/")
      ? new DataAwsSsmParameter(this, "ami", { name: c.amiId }).insecureValue
      : c.amiId;

    const ebs = (sizeGiB: number, type: string, extra: { iops?: number; throughput?: number } = {}) => ({
      volumeSize: sizeGiB,
      volumeType: type,
      encrypted: "true",
      kmsKeyId: c.ebsKmsKeyArn,
      deleteOnTermination: "true",
      ...extra,
    });
    const blockDeviceMappings: LaunchTemplateBlockDeviceMappings[] = [
      { deviceName: c.rootDeviceName, ebs: ebs(c.rootVolumeSizeGiB, "gp3") },
      ...(c.queueVolume
        ? [
            {
              deviceName: QUEUE_DEVICE_NAME,
              ebs: ebs(c.queueVolume.sizeGiB, c.queueVolume.type, {
                iops: c.queueVolume.iops,
                throughput: c.queueVolume.throughputMiBps,
              }),
            },
          ]
        : []),
    ];

    const userData = renderUserData({
      criblVersion: c.cribl.version,
      criblSha256: c.cribl.sha256,
      criblDownloadUrl: c.cribl.downloadUrl,
      leaderHost: c.leaderHost,
      leaderPort: c.leaderPort,
      leaderTls: c.leaderTls,
      workerGroup: c.workerGroup,
      leaderAuthTokenParameter: c.leaderAuthTokenParameter,
      region: arnScope.region,
      serviceName: DEFAULT_SERVICE_NAME,
      queueVolume: c.queueVolume ? { deviceName: QUEUE_DEVICE_NAME, mountPath: c.queueVolume.mountPath } : undefined,
    });

    const instanceTags = { ...props.tags, Name: `${namePrefix}-cribl-worker`, [GROUP_TAG_KEY]: groupName };
    const template = new LaunchTemplate(this, "launch_template", {
      name: `${namePrefix}-cribl-worker`,
      description: `Cribl Stream ${c.cribl.version} worker (group ${c.workerGroup})`,
      imageId,
      instanceType: c.instanceType,
      keyName: c.instanceKeyPair,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      // No public IP, whatever the subnet's own setting: workers reach the leader, SSM and destinations privately.
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: securityGroupIds,
        },
      ],
      // IMDSv2 only. Hop limit 1: Cribl runs on the host, not in a container, so nothing needs a second hop; 1 keeps
      // the instance credentials out of reach of anything forwarded through the worker.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings,
      tagSpecifications: [
        { resourceType: "instance", tags: instanceTags },
        { resourceType: "volume", tags: { ...instanceTags, Name: `${namePrefix}-cribl-worker-volume` } },
      ],
      // Base64 at synth: the script is deterministic and free of secrets, and Terraform never parses it as a template.
      userData: Buffer.from(userData, "utf8").toString("base64"),
      // moto echoes the provider's default tags back as a third tag specification ("launch-template"), which real
      // EC2 never returns; ignored in emulator mode only, so a re-plan there is clean.
      lifecycle: props.emulated ? { ignoreChanges: ["tag_specifications"] } : undefined,
    });

    const group = new AutoscalingGroup(this, "group", {
      name: groupName,
      minSize: c.minSize,
      maxSize: c.maxSize,
      desiredCapacity: c.desiredCapacity,
      vpcZoneIdentifier: subnetIds,
      launchTemplate: { id: template.id, version: Fn.tostring(template.latestVersion) },
      targetGroupArns: c.targetGroupArns.length > 0 ? [...c.targetGroupArns] : undefined,
      healthCheckType: c.targetGroupArns.length > 0 ? "ELB" : "EC2",
      healthCheckGracePeriod: 300,
    });

    // A separate hook resource (not initial_lifecycle_hook) so a changed heartbeat timeout is applied to the group.
    // CONTINUE by default: when the hook times out the drain has stopped heartbeating (it alarms); the instance is
    // terminated either way, and CONTINUE still lets other teams' termination hooks run where ABANDON would skip them.
    const hook = new AutoscalingLifecycleHook(this, "termination_hook", {
      name: c.lifecycleHookName,
      autoscalingGroupName: group.name,
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeatTimeout: c.heartbeatTimeoutSeconds,
      defaultResult: c.lifecycleHookDefaultResult,
      // Delivery is through EventBridge (no notification target or role).
      lifecycle: props.emulated ? { ignoreChanges: ["role_arn", "notification_target_arn"] } : undefined,
    });

    this.outputs = {
      groupName,
      documentNames: { queueProbe: `${namePrefix}-queue-probe`, gracefulStop: `${namePrefix}-graceful-stop` },
      autoScalingGroupName: group.name,
      autoScalingGroupArn: group.arn,
      autoScalingGroupArnPattern: arns.autoScalingGroup(arnScope, groupName),
      lifecycleHookName: hook.name,
      launchTemplateId: template.id,
      instanceRoleName: role.name,
      queueProbeDocumentName: probeDocument.name,
      queueProbeDocumentArn: probeDocument.arn,
      gracefulStopDocumentName: stopDocument.name,
      gracefulStopDocumentArn: stopDocument.arn,
    };
  }
}
