// Generated from proto/ by `npm run proto:generate` (ts-proto); never edited by hand.
export * as alertingV1 from './gen/connaisseur_mesh/alerting/v1/alerting_service';
export * as imageV1 from './gen/connaisseur_mesh/type/v1/image';
export * as validatorV1 from './gen/connaisseur_mesh/validator/v1/validator_service';
