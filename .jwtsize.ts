import { createJwtVerifier } from './functions/adapters/jwt-verifier.ts'; console.log(createJwtVerifier);
