/** Choice: the first rule that matches (JSONPath comparisons or a JSONata Condition) picks the next state. */
import { evaluateRule } from '../choice-rules';
import { jsonataEnv, pathEnv } from '../data-flow';
import { StateEvaluationError, StatesError } from '../errors';
import type { Outcome, OutputHolder, StateRun } from '../exec';
import type { ChoiceState } from '../model';
import { evaluateJsonataValue, jsonataBody, toJson } from '../payload';
import { exit, jsonType } from './common';

async function matches(run: StateRun<ChoiceState>, index: number, effective: unknown): Promise<boolean> {
  const rule = run.state.Choices[index]!;
  if (run.flow.language === 'JSONPath') return evaluateRule(rule, pathEnv(run, effective));
  const cond = await evaluateJsonataValue(rule.Condition, jsonataEnv(run), `Choices[${index}].Condition`);
  if (typeof cond !== 'boolean') {
    throw new StateEvaluationError(
      'States.QueryEvaluationError',
      `The JSONata expression '${jsonataBody(rule.Condition) ?? String(rule.Condition)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonType(cond)}' for value: ${toJson(cond)}`,
      'Condition',
    );
  }
  return cond;
}

export async function runChoice(run: StateRun<ChoiceState>): Promise<Outcome> {
  const { state, flow } = run;
  const effective = flow.effectiveInput(run);
  let holder: OutputHolder = state;
  let next = state.Default;
  for (let i = 0; i < state.Choices.length; i++) {
    if (await matches(run, i, effective)) {
      holder = state.Choices[i]!;
      next = state.Choices[i]!.Next;
      break;
    }
  }
  if (next === undefined) throw new StatesError('States.NoChoiceMatched', 'No Matches!');
  // A JSONPath Choice has no Output: its OutputPath applies to the effective input.
  return exit(run, await flow.finishWithoutResult(run, effective, holder), next);
}
