// Imported first by every entry point that runs on the developer's Node (CLI, scripts, bench, tests). The AWS SDK
// prints an eight-line NodeVersionSupportWarning on Node < 22 in every process; its documented switch is this
// variable. Lambda functions run nodejs22.x and never see the warning. Child processes (the emulator's Lambda
// runner) inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
