// Tag keys the worker fleet and its drain workflow agree on (IAM conditions, launch template tags, snapshot tags).

/** Tag our launch template puts on every instance AND volume (the ASG's own aws:autoscaling:groupName tag is set on
 * instances only), and the drain on its snapshots; IAM requires it on the snapshots the drain creates, but never
 * chooses an instance or a volume by it (users can set it). */
export const GROUP_TAG_KEY = "cribl-drain:auto-scaling-group";

/** Tag the ASG itself sets on its instances; users cannot set or change `aws:` tags, so it scopes SendCommand. */
export const ASG_INSTANCE_TAG_KEY = "aws:autoscaling:groupName";
