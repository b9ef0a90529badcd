import type { PublishRequest } from '../schemas/domain.js';
import type { PublishOutput, publishRequestMachine } from './machine.js';

type ProvidableActions = NonNullable<Parameters<typeof publishRequestMachine.provide>[0]['actions']>;
/** The implementation slot of the machine's `publish` action, as `.provide({ actions })` takes it. */
export type PublishAction = NonNullable<ProvidableActions['publish']>;

/** The function a live actor runs when its request enters `approving`. */
export type PublishEffect = (args: { request: PublishRequest; signal: AbortSignal }) => Promise<PublishOutput>;

/**
 * Turns an async publish function into the machine's `publish` action for a live actor: it runs
 * `effect` and sends `publish.succeeded` or `publish.failed` back to the actor. The signal aborts
 * when the actor stops.
 *
 * @example
 * ```ts
 * const machine = publishRequestMachine.provide({
 *   actions: { publish: createPublishEffect(async ({ request, signal }) => pushAndOpenPullRequest(request, signal)) },
 * });
 * ```
 */
export function createPublishEffect(effect: PublishEffect): PublishAction {
  const action: PublishAction = ({ context, self }) => {
    const controller = new AbortController();
    const subscription = self.subscribe({
      complete: () => controller.abort(),
      error: () => controller.abort(),
    });
    effect({ request: context.request, signal: controller.signal }).then(
      (output) => {
        subscription.unsubscribe();
        if (controller.signal.aborted) return;
        self.send({ type: 'publish.succeeded', at: new Date().toISOString(), branch: output.branch, pullRequest: output.pullRequest });
      },
      (error: unknown) => {
        subscription.unsubscribe();
        // The actor stopped (that is what aborted the effect); there is nobody left to tell.
        if (controller.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        const code =
          typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'port_failed';
        self.send({ type: 'publish.failed', at: new Date().toISOString(), error: { code, message } });
      },
    );
  };
  return action;
}
