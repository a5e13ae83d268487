// The worker-fleet stack: the Cribl worker group and the workflow that drains a worker before it terminates.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { ResolvedAppConfig } from "../config/app-config";
import { AppStack } from "../modules/common/stack-base";

export class WorkerFleetStack extends AppStack {
  readonly alarmTopic: SnsTopic;
  readonly drainLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, config: ResolvedAppConfig) {
    super(scope, id, config);
    const fleet = config.workerFleet;
    this.alarmTopic = new SnsTopic(this, "alarm_topic", {
      name: `${config.name}-drain-alarms`,
      kmsMasterKeyId: "alias/aws/sns",
    });
    // Step Functions vended logs must live under /aws/vendedlogs/ to avoid the resource-policy size limit.
    this.drainLogGroup = new CloudwatchLogGroup(this, "drain_logs", {
      name: `/aws/vendedlogs/states/${config.name}-drain`,
      retentionInDays: fleet.logRetentionDays,
    });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarmTopic.arn });
  }
}
