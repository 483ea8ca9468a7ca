/**
 * Field-by-field payload reading with named errors and suggestions. The code lives in
 * `shared/fields.ts` (the feature declarations in `shared/features` use it too); this module keeps
 * the handlers' import path.
 */
export {
  closest,
  editDistance,
  FieldReader,
  type NumberOptions,
  Problems,
  type StringOptions,
} from '../../shared/fields';
