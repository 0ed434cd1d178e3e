import { Module } from '@nestjs/common';
import { CosignValidatorController } from './cosign-validator.controller';
import { CosignValidators } from './cosign-validators';

@Module({ controllers: [CosignValidatorController], providers: [CosignValidators] })
export class ValidatorCosignModule {}
