// One call of Temporal's admin service (temporal.server.api.adminservice.v1.AdminService), which
// the TypeScript SDK does not bind: @temporalio/proto 1.24 holds the public API (workflow,
// operator, test, health services) and no adminservice message. RefreshWorkflowTasks regenerates
// an execution's tasks from its mutable state (src/temporal/lost-workflow-tasks.ts says why bayar
// needs it).
//
// The call goes through @temporalio/client's own gRPC channel: AdminConnection is a Connection
// whose constructor also builds an RPC implementation for the admin service with the SDK's
// generateRPCImplementation, so TLS, the API key, static metadata, interceptors and deadlines
// (withDeadline) apply exactly as to the workflow service. Only the request is encoded here.
//
// Server side (go.temporal.io/server v1.29.1): the frontend registers the admin service on the
// same gRPC port as the workflow service (service/frontend/service.go:413,
// adminservice.RegisterAdminServiceServer), so the dev server (CLI 1.5.1) and a cluster's
// frontend both serve it. AdminHandler.RefreshWorkflowTasks (service/frontend/admin_handler.go:1520)
// looks the namespace up *by id*, then history's refreshworkflow.Invoke reloads the mutable state
// and runs TaskRefresher.Refresh (service/history/workflow/task_refresher.go): for a workflow task
// that is scheduled and not started it calls GenerateScheduleWorkflowTaskTasks, i.e. a new
// transfer task that adds the workflow task to matching again. No history event is written.
// With authorization on, every admin-service method is cluster-scoped with admin access
// (common/api/metadata.go: AdminServicePrefix → ScopeCluster, AccessAdmin), so the default
// authorizer (common/authorization/default_authorizer.go) allows it only to a *system* admin: a
// broad grant for a worker (docs/operations.md, "Lost workflow tasks"). Temporal Cloud does not
// expose the admin service at all.
import { Connection, type ConnectionOptions } from '@temporalio/client';
import protobuf from 'protobufjs';

/** generateRPCImplementation's options (its type, RPCImplOptions, is not exported either). */
type RPCImplOptions = Parameters<(typeof Connection)['generateRPCImplementation']>[0];

const ADMIN_SERVICE = 'temporal.server.api.adminservice.v1.AdminService';

/** What the SDK passes to Connection's (protected) constructor; only these parts are read here. */
interface AdminCtorOptions {
  readonly options: Pick<RPCImplOptions, 'interceptors'> & { readonly metadata: RPCImplOptions['staticMetadata'] };
  readonly client: RPCImplOptions['client'];
  readonly callContextStorage: RPCImplOptions['callContextStorage'];
  readonly apiKeyFnRef: RPCImplOptions['apiKeyFnRef'];
}

export interface ExecutionRef {
  workflowId: string;
  runId: string;
}

/**
 * proto/internal/temporal/server/api/adminservice/v1/request_response.proto (v1.29.1):
 *   message RefreshWorkflowTasksRequest {
 *     reserved 1;
 *     string namespace_id = 3;
 *     temporal.api.common.v1.WorkflowExecution execution = 2;   // workflow_id = 1, run_id = 2
 *   }
 */
export function encodeRefreshWorkflowTasksRequest(namespaceId: string, execution: ExecutionRef): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((2 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(execution.workflowId);
  w.uint32((2 << 3) | 2).string(execution.runId);
  w.ldelim();
  w.uint32((3 << 3) | 2).string(namespaceId);
  return w.finish();
}

type UnaryCall = (method: { name: string }, request: Uint8Array, callback: (err: Error | null, response?: Uint8Array | null) => void) => unknown;

export class AdminConnection extends Connection {
  private readonly adminRpc: UnaryCall;

  protected constructor(ctorOptions: AdminCtorOptions) {
    // The SDK's ConnectionCtorOptions type is not exported; the object is passed on unchanged.
    super(ctorOptions as never);
    this.adminRpc = AdminConnection.generateRPCImplementation({
      serviceName: ADMIN_SERVICE,
      client: ctorOptions.client,
      callContextStorage: ctorOptions.callContextStorage,
      interceptors: ctorOptions.options.interceptors,
      staticMetadata: ctorOptions.options.metadata,
      apiKeyFnRef: ctorOptions.apiKeyFnRef,
    }) as unknown as UnaryCall;
  }

  static override lazy(options?: ConnectionOptions): AdminConnection {
    return super.lazy(options) as AdminConnection;
  }

  static override async connect(options?: ConnectionOptions): Promise<AdminConnection> {
    return (await super.connect(options)) as AdminConnection;
  }

  /** The namespace's id (the admin call takes the id, not the name). */
  async namespaceId(namespace: string): Promise<string> {
    const described = await this.workflowService.describeNamespace({ namespace });
    const id = described.namespaceInfo?.id;
    if (!id) throw new Error(`namespace ${namespace} has no id`);
    return id;
  }

  /** AdminService.RefreshWorkflowTasks: regenerates the execution's tasks (idempotent). */
  refreshWorkflowTasks(namespaceId: string, execution: ExecutionRef, timeoutMs = 10_000): Promise<void> {
    const request = encodeRefreshWorkflowTasksRequest(namespaceId, execution);
    return this.withDeadline(
      Date.now() + timeoutMs,
      () =>
        new Promise<void>((resolve, reject) => {
          this.adminRpc({ name: 'RefreshWorkflowTasks' }, request, (err) => (err ? reject(err) : resolve()));
        }),
    );
  }
}
