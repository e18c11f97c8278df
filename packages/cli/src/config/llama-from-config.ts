import type { Backend, LlamaModelConfig } from "@seekdesk/core";
import { UserInputError } from "@seekdesk/core";

export async function llamaBackendFromConfig(m: LlamaModelConfig, name: string): Promise<Backend> {
  void name;
  throw new UserInputError(`config: models: ${m.id}: the llama backend is not wired yet`);
}
