'use strict';

/**
 * The Serverless Framework (v3) creates the REST API's stage implicitly, through the deployment's
 * StageName, and applies access logging and tracing with SDK calls after the deploy. That keeps
 * them out of the template, where CloudFormation, reviewers and template checks would see them.
 * This plugin lets infra/api.yml declare the stage as an AWS::ApiGateway::Stage (ApiGatewayStage),
 * points it at this deploy's deployment, and makes everything that names the stage wait for it.
 */
class ExplicitStage {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:aws:package:finalize:mergeCustomProviderResources': () => this.explicitStage() };
  }

  explicitStage() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const stage = resources.ApiGatewayStage;
    const deploymentId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::ApiGateway::Deployment');
    if (!stage || !deploymentId) throw new Error('explicit-stage: expected ApiGatewayStage (infra/api.yml) and an ApiGatewayDeployment');
    const deployment = resources[deploymentId];
    delete deployment.Properties.StageName;
    // A deployment snapshots the gateway responses, so it must come after them.
    const responses = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::ApiGateway::GatewayResponse');
    deployment.DependsOn = [...new Set([...[deployment.DependsOn ?? []].flat(), ...responses])];
    stage.Properties.DeploymentId = { Ref: deploymentId };
    for (const resource of Object.values(resources)) {
      if (resource.Type === 'AWS::ApiGateway::ApiKey' || resource.Type === 'AWS::ApiGateway::UsagePlan') {
        resource.DependsOn = [...new Set([...[resource.DependsOn ?? []].flat().filter((id) => id !== deploymentId), 'ApiGatewayStage'])];
      }
    }
  }
}

module.exports = ExplicitStage;
