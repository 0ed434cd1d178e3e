import { Module } from '@nestjs/common';
import { CosignValidatorController } from './cosign-validator.controller';

@Module({ controllers: [CosignValidatorController] })
export class ValidatorCosignModule {}
