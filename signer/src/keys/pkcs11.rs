//! PKCS#11 modules (placeholder for the module being written).
